package e2e

import (
	"bytes"
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// dockerfile is what the tests need of the repository's Dockerfile.
type dockerfile struct {
	buildEnv   []string // NAME=VALUE words before "go build"
	buildArgs  []string // the words of "go build …", from "build" on
	outDir     string   // the value of -o
	finalFrom  string   // the last FROM image
	user       string   // the last USER
	binDir     string   // where the final stage copies the binaries
	entrypoint string
}

// repoRoot is the module's root, the Docker build context.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// readDockerfile parses the Dockerfile's go build step and final stage.
func readDockerfile(t *testing.T) dockerfile {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repoRoot(t), "Dockerfile"))
	if err != nil {
		t.Fatalf("reading the Dockerfile: %v", err)
	}
	text := strings.ReplaceAll(string(raw), "\\\n", " ") // continuation lines
	var d dockerfile
	for _, line := range strings.Split(text, "\n") {
		words, err := shellWords(strings.TrimSpace(line))
		if err != nil {
			t.Fatalf("Dockerfile line %q: %v", line, err)
		}
		if len(words) < 2 || strings.HasPrefix(words[0], "#") {
			continue
		}
		switch strings.ToUpper(words[0]) {
		case "FROM":
			d.finalFrom, d.user, d.binDir, d.entrypoint = words[1], "", "", ""
		case "USER":
			d.user = words[1]
		case "COPY":
			if len(words) == 4 && strings.HasPrefix(words[1], "--from=") {
				d.binDir = words[3]
			}
		case "ENTRYPOINT":
			d.entrypoint = strings.Trim(words[1], `[]",`)
		case "RUN":
			i := slices.Index(words, "go")
			if i < 0 || i+1 >= len(words) || words[i+1] != "build" {
				continue
			}
			d.buildEnv, d.buildArgs = words[1:i], words[i+1:]
			if o := slices.Index(d.buildArgs, "-o"); o >= 0 && o+1 < len(d.buildArgs) {
				d.outDir = d.buildArgs[o+1]
			}
		}
	}
	if d.buildArgs == nil || d.outDir == "" {
		t.Fatal("the Dockerfile has no RUN … go build -o DIR … step")
	}
	return d
}

// shellWords splits a line into words as sh would for plain and
// double-quoted words (all the Dockerfile uses).
func shellWords(line string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord, quoted := false, false
	for _, r := range line {
		switch {
		case r == '"':
			quoted, inWord = !quoted, true
		case (r == ' ' || r == '\t') && !quoted:
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
			}
			inWord = false
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quoted {
		return nil, fmt.Errorf("unclosed quote")
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// shellJoin joins words as they would be typed, quoting those with spaces.
func shellJoin(words []string) string {
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = w
		if strings.ContainsAny(w, " \t") {
			out[i] = `"` + w + `"`
		}
	}
	return strings.Join(out, " ")
}

// deployBuildMu lets one test at a time run the Dockerfile's build: the
// first fills the build cache, the next finds it there.
var deployBuildMu sync.Mutex

// deployBinaries runs the Dockerfile's build command, its -o pointed at a
// directory of the test's own, and returns that directory, the parsed
// Dockerfile and how long the build took.
func deployBinaries(t *testing.T) (string, dockerfile, time.Duration) {
	t.Helper()
	d := readDockerfile(t)
	dir := t.TempDir()
	args := slices.Clone(d.buildArgs)
	args[slices.Index(args, "-o")+1] = dir + string(filepath.Separator)
	cmd := exec.Command("go", args...)
	cmd.Dir = repoRoot(t)
	cmd.Env = append(os.Environ(), d.buildEnv...)
	deployBuildMu.Lock()
	defer deployBuildMu.Unlock()
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s go %s: %v\n%s", strings.Join(d.buildEnv, " "), shellJoin(args), err, out)
	}
	return dir, d, time.Since(start)
}

// TestScaleDockerfileBuildsStaticBinaries runs the Dockerfile's build
// command and checks that every binary is static (no interpreter, no
// dynamic section), stripped and free of build paths, and that the final
// stage is a small non-root base.
func TestScaleDockerfileBuildsStaticBinaries(t *testing.T) {
	t.Parallel()
	dir, d, took := deployBinaries(t)
	t.Logf("built with %s go %s in %v", strings.Join(d.buildEnv, " "),
		shellJoin(d.buildArgs), took.Round(time.Millisecond))
	for _, want := range []string{"CGO_ENABLED=0"} {
		if !slices.Contains(d.buildEnv, want) {
			t.Errorf("the build step does not set %s: %v", want, d.buildEnv)
		}
	}
	for _, want := range [][]string{{"-trimpath"}, {"-ldflags", "-s -w"}} {
		i := slices.Index(d.buildArgs, want[0])
		if i < 0 || len(want) == 2 && (i+1 >= len(d.buildArgs) || d.buildArgs[i+1] != want[1]) {
			t.Errorf("the build step lacks %q: %v", strings.Join(want, " "), d.buildArgs)
		}
	}
	if d.finalFrom != "scratch" && !strings.HasPrefix(d.finalFrom, "gcr.io/distroless/static") {
		t.Errorf("the final stage is FROM %s, want distroless/static or scratch", d.finalFrom)
	}
	if d.user == "" || d.user == "root" || strings.HasPrefix(d.user, "0") {
		t.Errorf("the final stage runs as USER %q, want a non-root user", d.user)
	}

	root := []byte(repoRoot(t))
	for _, name := range []string{"tokensvc", "gqlgateway", "tokenctl", "healthcheck"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name)
			checkStaticBinary(t, path)
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(raw, root) {
				t.Errorf("%s holds the build path %s: built without -trimpath?", name, root)
			}
			t.Logf("%s: %.1f MB, static, stripped", name, float64(len(raw))/1e6)
		})
	}
}

// checkStaticBinary fails unless path is an ELF executable without an
// interpreter or dynamic section, and without symbol or DWARF tables.
func checkStaticBinary(t *testing.T, path string) {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatalf("%s is not an ELF file: %v", path, err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("%s has a %v program header: dynamically linked", path, p.Type)
		}
	}
	for _, name := range []string{".interp", ".dynamic", ".symtab", ".debug_info",
		".zdebug_info"} {
		if f.Section(name) != nil {
			t.Errorf("%s has a %s section", path, name)
		}
	}
	if libs, err := f.ImportedLibraries(); err != nil || len(libs) > 0 {
		t.Errorf("%s imports libraries %v (%v)", path, libs, err)
	}
}
