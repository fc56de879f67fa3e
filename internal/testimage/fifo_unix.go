//go:build unix

package testimage

import (
	"syscall"
	"testing"
)

func mkfifo(_ testing.TB, path string, mode uint32) error {
	return syscall.Mkfifo(path, mode)
}
