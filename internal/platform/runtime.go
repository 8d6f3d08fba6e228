package platform

import (
	"os"
	"runtime/debug"
)

// GC settings of a serving process, unless the operator set GOGC or GOMEMLIMIT.
const (
	gcPercent   = 200       // collect when the heap has grown by twice the live data
	memoryLimit = 160 << 20 // but keep the heap under this: the platform targets < 200 MB RSS
)

// TuneGC sets the garbage collector for serving: a request allocates mostly short-lived
// objects (templates, JSON, SQL rows), and the live heap of an idle platform is some 20 MB, so
// the default (collect at 100 % growth) runs the collector several times a second under load;
// at 200 % it runs half as often, which in `rathaus bench` gave about 15 % more pages per
// second and a lower p99. The soft memory limit makes the collector work harder before the
// process grows past it, so the memory target holds. GOGC and GOMEMLIMIT, when set, win.
func TuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
}
