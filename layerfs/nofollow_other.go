//go:build !unix

package layerfs

const noFollow = 0
