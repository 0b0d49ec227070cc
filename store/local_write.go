package store

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/evals-dev/evals/errs"
)

// A writer stages a run in tmp/<id>.<random>/ and holds tmp/<id>.<random>.lease locked
// for as long as it lives (an advisory lock the system drops when the process dies, however
// it dies). Another writer removes a staging folder only when it can take that lock: the
// writer is gone. So a stream that writes for days keeps its folder, and what a killed
// import left is removed by the next writer or by `evals gc`.

const leaseSuffix = ".lease"

func (l *localBackend) stage(id string) (string, func(), error) {
	tmpRoot := filepath.Join(l.root, "tmp")
	if err := os.MkdirAll(tmpRoot, 0o755); err != nil {
		return "", nil, errs.E(errs.Internal, "creating store folder %s: %w", tmpRoot, err)
	}
	if err := os.MkdirAll(l.runsDir(), 0o755); err != nil {
		return "", nil, errs.E(errs.Internal, "creating store folder: %w", err)
	}
	sweepDead(tmpRoot, time.Hour)
	return stageIn(tmpRoot, id)
}

// stageIn makes a staging folder under dir with its lease held.
func stageIn(dir, id string) (string, func(), error) {
	tmp, err := os.MkdirTemp(dir, id+".")
	if err != nil {
		return "", nil, errs.E(errs.Internal, "creating temporary run folder: %w", err)
	}
	unlock, err := holdLease(tmp + leaseSuffix)
	if err != nil {
		os.RemoveAll(tmp)
		return "", nil, errs.E(errs.Internal, "locking temporary run folder: %w", err)
	}
	return tmp, func() {
		_ = os.RemoveAll(tmp)
		unlock()
		_ = os.Remove(tmp + leaseSuffix)
	}, nil
}

// deadStaging lists the staging folders in dir whose writer is gone: their lease can be
// taken, or (folders without a lease, from a replace or an older evals) they are older
// than grace and than tempFloor.
func deadStaging(dir string, grace time.Duration) []Leftover {
	entries, _ := os.ReadDir(dir)
	var out []Leftover
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		path := filepath.Join(dir, e.Name())
		info, err := e.Info()
		if err != nil {
			continue
		}
		dead := false
		if _, err := os.Stat(path + leaseSuffix); err == nil {
			dead = leaseFree(path + leaseSuffix)
		} else {
			// No lease (yet: a writer makes its folder, then its lease; or a folder of a
			// replace or of an older evals): dead only once older than the temp floor too,
			// so a gc at --grace 0s never takes a folder whose lease is on its way.
			dead = time.Since(info.ModTime()) > max(grace, tempFloor)
		}
		if dead {
			out = append(out, Leftover{Kind: "staging", Key: path, Bytes: dirSize(path), Age: info.ModTime(), ref: path})
		}
	}
	return out
}

func sweepDead(dir string, grace time.Duration) {
	for _, l := range deadStaging(dir, grace) {
		removeStaging(l.Key)
	}
}

func removeStaging(path string) {
	_ = os.RemoveAll(path)
	_ = os.Remove(path + leaseSuffix)
}

func dirSize(path string) int64 {
	var n int64
	_ = filepath.WalkDir(path, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}

func (l *localBackend) publish(ctx context.Context, id, dir string, replace bool) (bool, error) {
	final := filepath.Join(l.runsDir(), id)
	if _, err := os.Stat(final); err == nil {
		if !replace {
			return false, errs.E(errs.Conflict, "run %s already exists in the store", id)
		}
		return true, l.swap(dir, final, id)
	}
	if err := os.Rename(dir, final); err != nil {
		return false, errs.E(errs.Internal, "moving run %s into place: %w", id, err)
	}
	syncDir(l.runsDir())
	return false, nil
}

// swap puts the new run in place of the old one: atomically where the system can exchange
// two folders, else by two renames in quick succession. The old run ends in dir, which
// the writer's release removes.
func (l *localBackend) swap(dir, final, id string) error {
	if err := exchange(dir, final); err == nil {
		syncDir(l.runsDir())
		return nil
	}
	old := filepath.Join(l.root, "tmp", "replaced."+id+"."+NewRunID())
	if err := os.Rename(final, old); err != nil {
		return errs.E(errs.Internal, "replacing run %s: %w", id, err)
	}
	if err := os.Rename(dir, final); err != nil {
		_ = os.Rename(old, final)
		return errs.E(errs.Internal, "replacing run %s: %w", id, err)
	}
	syncDir(l.runsDir())
	_ = os.RemoveAll(old)
	return nil
}

// claimKey names the claim object of a content digest.
func claimKey(digest string) string {
	return strings.NewReplacer(":", "_", "#", "_", "/", "_").Replace(digest)
}

func (l *localBackend) claim(ctx context.Context, digest, id string) (string, error) {
	dir := filepath.Join(l.root, "digests")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", errs.E(errs.Internal, "creating store folder %s: %w", dir, err)
	}
	path := filepath.Join(dir, claimKey(digest))
	for attempt := 0; attempt < 3; attempt++ {
		// The claim appears whole or not at all: written aside, then hard-linked into
		// place, which fails if the name exists (a create-if-absent with its content).
		tmp, err := os.CreateTemp(dir, ".claim-")
		if err != nil {
			return "", errs.E(errs.Internal, "claiming %s: %w", path, err)
		}
		_, werr := tmp.WriteString(id)
		if cerr := tmp.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			os.Remove(tmp.Name())
			return "", errs.E(errs.Internal, "claiming %s: %w", path, werr)
		}
		err = os.Link(tmp.Name(), path)
		os.Remove(tmp.Name())
		if err == nil {
			return "", nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return "", errs.E(errs.Internal, "claiming %s: %w", path, err)
		}
		b, rerr := os.ReadFile(path)
		info, serr := os.Stat(path)
		if rerr != nil || serr != nil {
			continue // removed meanwhile: try again
		}
		holder := strings.TrimSpace(string(b))
		if holder == id {
			return "", nil
		}
		if live := claimLive(ctx, l, holder, digest, info.ModTime()); live {
			return holder, nil
		}
		_ = os.Remove(path) // stale: its run was replaced, deleted or never finished
	}
	return "", errs.E(errs.Conflict, "content %s is being claimed by several writers at once; try again", digest)
}

// claimLive says whether the run holding a claim has that content (committed with that
// digest) or is still on its way: its writer is provably alive (a held staging lease, or a
// renewed claim). A claim whose writer died, or whose run was deleted, is not honoured.
//
// The run is looked for again after its writer is found gone: a writer publishes its run
// and only then lets its lease go, so one that finished between the first look and the
// lease check is found by the second look (without it, two writers of the same content
// at once could both publish).
func claimLive(ctx context.Context, b backend, holder, digest string, at time.Time) bool {
	committed := func() (bool, bool) {
		raw, err := b.readRun(ctx, holder, "")
		if err != nil {
			return false, false
		}
		r, err := decodeRun(raw, b.where(holder, runFile), holder)
		return true, err == nil && r.Digest == digest
	}
	if found, same := committed(); found {
		return same
	}
	if b.writerAlive(ctx, holder, at) {
		return true
	}
	_, same := committed()
	return same
}

// writerAlive: a local writer holds tmp/<id>.<random>.lease for as long as it lives.
func (l *localBackend) writerAlive(ctx context.Context, id string, at time.Time) bool {
	leases, _ := filepath.Glob(filepath.Join(l.root, "tmp", id+".*"+leaseSuffix))
	for _, lease := range leases {
		if !leaseFree(lease) {
			return true
		}
	}
	return false
}

func (l *localBackend) renewClaim(ctx context.Context, digest, id string) {}

func (l *localBackend) releaseClaim(ctx context.Context, digest, id string) {
	path := filepath.Join(l.root, "digests", claimKey(digest))
	if b, err := os.ReadFile(path); err == nil && strings.TrimSpace(string(b)) == id {
		_ = os.Remove(path)
	}
}

func (l *localBackend) unclaim(ctx context.Context, digest string) {
	_ = os.Remove(filepath.Join(l.root, "digests", claimKey(digest)))
}

// tempFloor is the least age at which gc takes a writer's temporary file (overlay/.tmp-*,
// digests/.claim-*) for a killed writer's: such a file lives for milliseconds, so this
// holds whatever --grace says, and gc never pulls one from under a live writer.
const tempFloor = 10 * time.Minute

// deadTemps lists the temporary files of dir (names starting with prefix) older than
// max(grace, tempFloor).
func deadTemps(dir, prefix string, grace time.Duration) []Leftover {
	var out []Leftover
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || !strings.HasPrefix(e.Name(), prefix) || time.Since(info.ModTime()) < max(grace, tempFloor) {
			continue
		}
		path := filepath.Join(dir, e.Name())
		out = append(out, Leftover{Kind: "temp", Key: path, Bytes: info.Size(), Age: info.ModTime(), ref: path})
	}
	return out
}

func (l *localBackend) leftovers(ctx context.Context, grace time.Duration) ([]Leftover, error) {
	out := deadStaging(filepath.Join(l.root, "tmp"), grace)
	out = append(out, deadTemps(filepath.Join(l.root, "overlay"), ".tmp-", grace)...)
	out = append(out, deadTemps(filepath.Join(l.root, "digests"), ".claim-", grace)...)
	for _, names := range l.trashEntries() {
		for _, n := range names {
			_, at, _ := strings.Cut(n, "@")
			ns, _ := strconv.ParseInt(at, 10, 64)
			if when := time.Unix(0, ns); time.Since(when) > TrashDays*24*time.Hour {
				path := filepath.Join(l.root, "trash", n)
				out = append(out, Leftover{Kind: "trash", Key: path, Bytes: dirSize(path), Age: when.UTC(), ref: path})
			}
		}
	}
	entries, _ := os.ReadDir(filepath.Join(l.root, "digests"))
	for _, e := range entries {
		path := filepath.Join(l.root, "digests", e.Name())
		info, err := e.Info()
		if err != nil || !e.Type().IsRegular() || strings.HasPrefix(e.Name(), ".claim-") {
			continue // a claim being written (its temporary name) is its writer's
		}
		b, rerr := os.ReadFile(path)
		if rerr != nil {
			continue
		}
		// An orphan claim (its run not committed and its writer gone) goes whatever its
		// age: gc's grace is for what may still be on its way, and a gone writer is not.
		holder := strings.TrimSpace(string(b))
		if _, err := os.Stat(filepath.Join(l.runsDir(), holder, runFile)); err != nil && !l.writerAlive(ctx, holder, info.ModTime()) {
			out = append(out, Leftover{Kind: "claim", Key: path, Bytes: info.Size(), Age: info.ModTime(), ref: path})
		}
	}
	return out, nil
}

func (l *localBackend) remove(ctx context.Context, lo Leftover) error {
	switch lo.Kind {
	case "staging":
		removeStaging(lo.ref)
	case "temp":
		if err := os.Remove(lo.ref); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return errs.E(errs.Internal, "removing %s: %w", lo.ref, err)
		}
	case "trash":
		if err := os.RemoveAll(lo.ref); err != nil {
			return errs.E(errs.Internal, "removing %s: %w", lo.Key, err)
		}
	default:
		if err := os.Remove(lo.ref); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return errs.E(errs.Internal, "removing %s: %w", lo.Key, err)
		}
	}
	return nil
}
