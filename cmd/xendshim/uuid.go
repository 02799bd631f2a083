package main

import (
	"fmt"
	"math/rand/v2"
	"sync"
)

// seededUUIDs returns a generator of version-4 UUIDs that is deterministic
// for a given non-zero seed, so that `serve --seed N` gives the same UUIDs
// to the same sequence of requests.
func seededUUIDs(seed int64) func() string {
	var mu sync.Mutex
	r := rand.New(rand.NewPCG(uint64(seed), 0x78656e647368696d)) // "xendshim"
	return func() string {
		mu.Lock()
		hi, lo := r.Uint64(), r.Uint64()
		mu.Unlock()
		hi = hi&^0xf000 | 0x4000     // version 4
		lo = lo&^(0xc<<60) | 0x8<<60 // RFC 4122 variant
		return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x",
			hi>>32, (hi>>16)&0xffff, hi&0xffff, lo>>48, lo&0xffffffffffff)
	}
}
