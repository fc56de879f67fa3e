module example.com/vigil-fixtures/goapp

go 1.22

require (
	github.com/google/uuid v1.3.0
	golang.org/x/net v0.17.0
	golang.org/x/text v0.13.0
)
