//go:build !unix

package testimage

import "testing"

func mkfifo(t testing.TB, _ string, _ uint32) error {
	t.Skip("testimage: FIFOs need a Unix system")
	return nil
}
