package chain

import (
	"crypto/rand"
	"fmt"
)

// uuidV4 draws a random UUID. It is only called inside workflow.SideEffect,
// whose result is recorded in history, so replay sees the same value.
func uuidV4() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
