package cmd

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// version is set at release time: -ldflags "-X github.com/evals-dev/evals/cmd.version=v1.2.3".
var version = ""

// commit and date are set at release time too (-X …cmd.commit=… -X …cmd.date=…), for builds
// made without the VCS stamp (GOFLAGS=-buildvcs=false).
var commit, date = "", ""

// versionString is the version, then the commit and its date when the build knows them
// (go build stamps them from git; a release sets the version): "v1.2.3 (a1b2c3d, 2026-11-30)".
func versionString() string {
	v := version
	bi, ok := debug.ReadBuildInfo()
	if v == "" && ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		v = bi.Main.Version
	}
	if v == "" {
		v = "dev"
	}
	rev, when := commit, date
	if !ok {
		return withCommit(v, rev, when, false)
	}
	var dirty bool
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			if rev == "" {
				rev = s.Value
			}
		case "vcs.time":
			if when == "" {
				when = s.Value
			}
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	return withCommit(v, rev, when, dirty)
}

func withCommit(v, rev, when string, dirty bool) string {
	if rev == "" {
		return v
	}
	if len(rev) > 7 {
		rev = rev[:7]
	}
	if dirty {
		rev += "-dirty"
	}
	if len(when) >= 10 {
		return v + " (" + rev + ", " + when[:10] + ")"
	}
	return v + " (" + rev + ")"
}

func newVersionCmd(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of evals",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.JSON {
				return f.print(view{value: map[string]string{"version": versionString(), "go": runtime.Version(), "platform": runtime.GOOS + "/" + runtime.GOARCH}})
			}
			_, err := fmt.Fprintf(f.IO.Out, "evals %s (%s, %s/%s)\n", versionString(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return err
		},
	}
}

// Version is the version string `evals --version` prints (for tools built beside evals,
// such as the man page writer).
func Version() string { return versionString() }
