package datasets

// Progress receives download progress. Implementations must be safe for
// concurrent use: parallel downloads report at the same time.
type Progress interface {
	// StartFile announces a download of size bytes, have of which are
	// already on disk (a resumed partial file).
	StartFile(name string, size, have int64) FileProgress
}

// FileProgress follows one download.
type FileProgress interface {
	// Add reports n more bytes written.
	Add(n int)
	// Restart reports that the partial file was dropped and the download
	// starts again from have bytes.
	Restart(have int64)
	// Done ends the download, failed when err is not nil.
	Done(err error)
}

type noProgress struct{}

func (noProgress) StartFile(string, int64, int64) FileProgress { return noProgress{} }
func (noProgress) Add(int)                                     {}
func (noProgress) Restart(int64)                               {}
func (noProgress) Done(error)                                  {}

// LockWaiter is an optional Progress method: it is told when a download
// waits for another process that is fetching the same file.
type LockWaiter interface {
	WaitingForLock(name string)
}
