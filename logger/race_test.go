//go:build race

package logger

// raceEnabled: the race detector is on, under which sync.Pool drops what
// it is given at random.
const raceEnabled = true
