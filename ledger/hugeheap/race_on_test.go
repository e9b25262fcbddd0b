//go:build race

package hugeheap

const raceOn = true
