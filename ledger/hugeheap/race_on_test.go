//go:build race

package hugeheap

// raceOn: the race detector's shadow of each heap page is memory of its
// own, faulted in 4 KiB pages whatever the heap's advice.
const raceOn = true
