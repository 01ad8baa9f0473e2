// Command pulumi-language-go is a minimal Go language host for the Pulumi engine.
//
// Why our own: the Go module proxy reachable from our machines answers "403 Forbidden: This module
// version is not available." for github.com/pulumi/pulumi/sdk/go/pulumi-language-go/v3, as it does
// for the Node.js and Python hosts (see ../langhost, ../pythonhost), while pkg/v3 and sdk/v3 are
// served. A Go program is an ordinary Go module on sdk/v3/go/pulumi; the host only builds and starts
// it, and the hard parts are Go's own toolchain and Pulumi's served code:
//   - Run: `go build` of the program's folder (the user's `go`, GOCACHE and GOMODCACHE, so a second
//     run is a cached build), then runs the binary with the engine's settings in PULUMI_*
//     variables, which sdk/v3/go/pulumi reads; runtime options `binary` (a prebuilt program) and
//     `buildTarget` (where to keep the build) as with the stock host;
//   - InstallDependencies (`pulumi install`): `go mod tidy`;
//   - GetRequiredPackages: the resource plugins that the program's required modules name in the
//     pulumi-plugin.json their generator wrote (name, version, download URL), as the stock host
//     reports them;
//   - GenerateProgram (`pulumi import`, `pulumi convert`) and GeneratePackage (`pulumi package
//     gen-sdk --language go`): Pulumi's own Go generator (pkg/v3/codegen/go).
//
// Left out on purpose: Go policy packs and plugins (RunPlugin), `pulumi new` (GenerateProject),
// debugger attach (Delve), Pack, and the stock host's guess of a plugin for a github.com/pulumi/
// pulumi-* module without a pulumi-plugin.json.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/modfile"
	"google.golang.org/grpc"

	"github.com/pulumi/pulumi/sdk/v3/go/common/constant"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"github.com/ablo/pulumi-ablo/engine/hostbase"
)

func main() {
	hostbase.Main(func(b *hostbase.Base) pulumirpc.LanguageRuntimeServer { return &host{Base: b} })
}

type host struct {
	*hostbase.Base
}

// runOptions are Pulumi.yaml's runtime options for Go.
type runOptions struct {
	binary      string // a prebuilt program, looked up on PATH; nothing is built
	buildTarget string // where `go build` writes the program (relative to its folder); a temporary file otherwise
}

func options(info *pulumirpc.ProgramInfo) (runOptions, error) {
	var o runOptions
	if info.GetOptions() == nil {
		return o, nil
	}
	for k, v := range info.GetOptions().AsMap() {
		s, ok := v.(string)
		switch k {
		case "binary":
			o.binary = s
		case "buildTarget":
			o.buildTarget = s
		default:
			return o, fmt.Errorf("runtime option %s is not supported by this language host (scripts/engine/gohost)", k)
		}
		if !ok {
			return o, fmt.Errorf("runtime option %s must be a string", k)
		}
	}
	if o.binary != "" && o.buildTarget != "" {
		return o, errors.New("runtime options binary and buildTarget cannot both be set")
	}
	return o, nil
}

// goCommand runs `go args...` in dir with the host's environment (the engine's, so the user's GOCACHE,
// GOMODCACHE, GOPROXY and GOFLAGS), stopped by an interrupt when ctx ends.
func goCommand(ctx context.Context, dir string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// build compiles the program in dir into out (a new temporary file when empty) and returns its path
// and, for a temporary file, a function that removes it.
func build(ctx context.Context, dir, out string) (string, func(), error) {
	cleanup := func() {}
	if out == "" {
		f, err := os.CreateTemp("", "pulumi-go-program.*")
		if err != nil {
			return "", nil, err
		}
		out = f.Name()
		_ = f.Close()
		cleanup = func() { _ = os.Remove(out) }
	} else if !filepath.IsAbs(out) {
		out = filepath.Join(dir, out)
	}
	// The compiler's messages go to the engine's output; the error names the command only.
	cmd := goCommand(ctx, dir, "build", "-o", out, ".")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		cleanup()
		if errors.Is(err, exec.ErrNotFound) {
			return "", nil, errors.New("a Go program needs `go` on PATH (https://go.dev/dl/)")
		}
		return "", nil, fmt.Errorf("`go build` of the program in %s failed (above): %w", dir, err)
	}
	return out, cleanup, nil
}

func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	opts, err := options(req.GetInfo())
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	bin := opts.binary
	if bin != "" {
		if bin, err = exec.LookPath(bin); err != nil {
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("runtime option binary: %v", err)}, nil
		}
	} else {
		var cleanup func()
		if bin, cleanup, err = build(ctx, req.GetInfo().GetProgramDirectory(), opts.buildTarget); err != nil {
			return &pulumirpc.RunResponse{Error: err.Error()}, nil
		}
		defer cleanup()
	}

	// What sdk/v3/go/pulumi.RunWithContext reads: the configuration as JSON of "<namespace>:<name>"
	// keys, which of them are secrets, and the engine's addresses.
	config, err := json.Marshal(req.GetConfig())
	if err != nil {
		return nil, err
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	secretJSON, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, err
	}
	env := os.Environ()
	for k, v := range map[string]string{
		pulumi.EnvOrganization:        req.GetOrganization(),
		pulumi.EnvProject:             req.GetProject(),
		pulumi.EnvPulumiRootDirectory: req.GetInfo().GetRootDirectory(),
		pulumi.EnvStack:               req.GetStack(),
		pulumi.EnvConfig:              string(config),
		pulumi.EnvConfigSecretKeys:    string(secretJSON),
		pulumi.EnvDryRun:              strconv.FormatBool(req.GetDryRun()),
		pulumi.EnvParallel:            strconv.Itoa(int(req.GetParallel())),
		pulumi.EnvMonitor:             req.GetMonitorAddress(),
		pulumi.EnvEngine:              h.EngineAddress,
	} {
		if v != "" {
			env = append(env, k+"="+v)
		}
	}

	cmd := exec.CommandContext(ctx, bin)
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 5 * time.Second
	cmd.Dir = req.GetPwd()
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			if ee.ExitCode() == constant.ExitStatusLoggedError {
				return &pulumirpc.RunResponse{Bail: true}, nil // the SDK has already told the engine why
			}
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("program exited with non-zero exit code: %d", ee.ExitCode())}, nil
		}
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("could not run the Go program: %v", err)}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

// InstallDependencies is `pulumi install`: `go mod tidy`, which resolves and downloads the program's
// modules (from GOPROXY) and writes go.mod and go.sum.
func (h *host) InstallDependencies(req *pulumirpc.InstallDependenciesRequest,
	server grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse],
) error {
	closer, stdout, stderr, err := rpcutil.MakeInstallDependenciesStreams(server, req.GetIsTerminal())
	if err != nil {
		return err
	}
	defer closer.Close()
	cmd := goCommand(server.Context(), req.GetInfo().GetProgramDirectory(), "mod", "tidy")
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("`go mod tidy` failed: %w", err)
	}
	return closer.Close()
}

// goMod reads the go.mod of the module holding dir (not a workspace's: GOWORK=off) and returns its
// folder too, or "" when dir is in no module.
func goMod(ctx context.Context, dir string) (string, *modfile.File, error) {
	cmd := goCommand(ctx, dir, "env", "GOMOD")
	cmd.Env = append(os.Environ(), "GOWORK=off")
	out, err := cmd.Output()
	if err != nil {
		return "", nil, fmt.Errorf("go env GOMOD: %w", err)
	}
	path := strings.TrimSpace(string(out))
	if path == "" || path == os.DevNull {
		return "", nil, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return "", nil, err
	}
	f, err := modfile.Parse(path, data, nil)
	if err != nil {
		return "", nil, err
	}
	return filepath.Dir(path), f, nil
}

// module is what `go list -m -json` and `go mod download -json` say of a module.
type module struct {
	Path, Version, Dir string
	Replace            *module
}

func (m module) dir() string {
	if m.Replace != nil && m.Replace.Dir != "" {
		return m.Replace.Dir
	}
	return m.Dir
}

// goJSON runs a go command that prints a stream of module objects.
func goJSON(ctx context.Context, dir string, args ...string) ([]module, error) {
	cmd := goCommand(ctx, dir, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go %s: %w: %s", strings.Join(args[:2], " "), err, strings.TrimSpace(stderr.String()))
	}
	var mods []module
	for dec := json.NewDecoder(bytes.NewReader(out)); ; {
		var m module
		if err := dec.Decode(&m); err == io.EOF {
			return mods, nil
		} else if err != nil {
			return nil, err
		}
		mods = append(mods, m)
	}
}

// moduleDirs finds the source folders of the given modules of the module in dir: `go list -m`
// knows those already in the module cache and replaced ones; `go mod download` fetches the others.
func moduleDirs(ctx context.Context, dir string, paths []string) ([]module, error) {
	if len(paths) == 0 {
		return nil, nil
	}
	mods, err := goJSON(ctx, dir, append([]string{"list", "-m", "-json"}, paths...)...)
	if err != nil {
		return nil, err
	}
	var missing []string
	for _, m := range mods {
		if m.dir() == "" {
			missing = append(missing, m.Path)
		}
	}
	if len(missing) > 0 {
		downloaded, err := goJSON(ctx, dir, append([]string{"mod", "download", "-json"}, missing...)...)
		if err != nil {
			return nil, err
		}
		found := map[string]string{}
		for _, d := range downloaded {
			found[d.Path] = d.Dir
		}
		for i := range mods {
			if mods[i].dir() == "" {
				mods[i].Dir = found[mods[i].Path]
			}
		}
	}
	return mods, nil
}

// pluginJSON reads the pulumi-plugin.json a module's SDK carries: at the module's root, in go/, or
// one folder down (the generator writes it beside the package: <module>/<package>/pulumi-plugin.json).
func pluginJSON(dir string) (*plugin.PulumiPluginJSON, error) {
	paths := []string{filepath.Join(dir, "pulumi-plugin.json"), filepath.Join(dir, "go", "pulumi-plugin.json")}
	for _, pattern := range []string{filepath.Join(dir, "go", "*", "pulumi-plugin.json"), filepath.Join(dir, "*", "pulumi-plugin.json")} {
		more, _ := filepath.Glob(pattern)
		paths = append(paths, more...)
	}
	for _, p := range paths {
		info, err := plugin.LoadPulumiPluginJSON(p)
		if err == nil {
			return info, nil
		}
		if !os.IsNotExist(err) {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
	}
	return nil, nil
}

// GetRequiredPackages names the resource plugins of the modules the program's go.mod requires, read
// from their pulumi-plugin.json (name, version and the URL the engine may install the plugin from).
func (h *host) GetRequiredPackages(ctx context.Context, req *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	dir, f, err := goMod(ctx, req.GetInfo().GetProgramDirectory())
	if err != nil {
		return nil, err
	}
	if f == nil {
		return &pulumirpc.GetRequiredPackagesResponse{}, nil // no module: `go build` says why at Run
	}
	var paths []string
	for _, r := range f.Require {
		paths = append(paths, r.Mod.Path)
	}
	mods, err := moduleDirs(ctx, dir, paths)
	if err != nil {
		return nil, fmt.Errorf("listing the program's Pulumi packages: %w", err)
	}
	var packages []*pulumirpc.PackageDependency
	for _, m := range mods {
		if m.dir() == "" {
			continue
		}
		info, err := pluginJSON(m.dir())
		if err != nil {
			return nil, err
		}
		if info == nil || !info.Resource {
			continue // e.g. the pulumi SDK itself, or a module that is no Pulumi package
		}
		v := info.Version
		if v == "" {
			v = m.Version
		}
		name := info.Name
		if name == "" {
			return nil, fmt.Errorf("%s: the pulumi-plugin.json of module %s names no plugin", m.dir(), m.Path)
		}
		packages = append(packages, &pulumirpc.PackageDependency{
			Name: name, Kind: "resource", Version: "v" + strings.TrimPrefix(v, "v"), Server: info.Server,
		})
	}
	return &pulumirpc.GetRequiredPackagesResponse{Packages: packages}, nil
}

func (h *host) GetProgramDependencies(ctx context.Context, req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	_, f, err := goMod(ctx, req.GetInfo().GetProgramDirectory())
	if err != nil {
		return nil, err
	}
	resp := &pulumirpc.GetProgramDependenciesResponse{}
	if f == nil {
		return resp, nil
	}
	replaced := map[string]bool{}
	for _, r := range f.Replace {
		replaced[r.Old.Path] = true
	}
	for _, r := range f.Require {
		if r.Indirect && !req.GetTransitiveDependencies() {
			continue
		}
		v := r.Mod.Version
		if replaced[r.Mod.Path] {
			v = "" // a replaced module has no version of its own
		}
		resp.Dependencies = append(resp.Dependencies, &pulumirpc.DependencyInfo{Name: r.Mod.Path, Version: v})
	}
	return resp, nil
}

func (h *host) About(ctx context.Context, req *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		return nil, err
	}
	out, err := exec.CommandContext(ctx, gobin, "env", "GOVERSION").Output()
	if err != nil {
		return nil, err
	}
	return &pulumirpc.AboutResponse{Executable: gobin, Version: strings.TrimSpace(string(out))}, nil
}
