package main

// stockCache remembers the last stock this replica saw for each SKU, to save a round trip.
type stockCache struct {
	// BUG: a plain map shared by every partition goroutine with no lock: concurrent reads and writes are a data race (the race detector stops the replica) and can corrupt the map
	levels map[string]int
}

func newStockCache() *stockCache { return &stockCache{levels: map[string]int{}} }

func (c *stockCache) get(sku string) (int, bool) {
	level, ok := c.levels[sku]
	return level, ok
}

func (c *stockCache) put(sku string, level int) { c.levels[sku] = level }
