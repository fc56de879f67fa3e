//go:build unix

package layerfs

import "syscall"

const noFollow = syscall.O_NOFOLLOW | syscall.O_NONBLOCK
