package batch

import "sync"

// InOneRound runs the steps at the same time and returns their errors in order. Writes
// started together travel in the same group commits, so a request that needs several
// independent writes pays for about one round trip instead of one each.
func InOneRound(steps ...func() error) []error {
	errs := make([]error, len(steps))
	if len(steps) == 1 {
		errs[0] = steps[0]()
		return errs
	}
	var wg sync.WaitGroup
	for i, step := range steps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = step()
		}()
	}
	wg.Wait()
	return errs
}
