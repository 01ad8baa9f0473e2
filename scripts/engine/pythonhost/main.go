// Command pulumi-language-python is a minimal Python language host for the Pulumi engine.
//
// Why our own: the Go module proxy reachable from our machines answers "403 Forbidden: This module
// version is not available." for github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3,
// as it does for the Node.js host (see ../langhost), while pkg/v3 and sdk/v3 are served. What the
// host does is small, and the hard parts are Pulumi's own served code:
//   - Run: starts the program's interpreter (the project's virtualenv, through Pulumi's
//     sdk/v3/python/toolchain) on run.py, which connects the `pulumi` SDK from PyPI to the engine and
//     runs __main__.py;
//   - InstallDependencies (`pulumi install`) and the virtualenv: Pulumi's toolchain package (venv,
//     pip install -r requirements.txt);
//   - GetRequiredPackages: the resource plugins that the installed SDKs name in their
//     pulumi-plugin.json (name, version, download URL), as the stock host reports them;
//   - GenerateProgram (`pulumi import`, `pulumi convert`) and GeneratePackage (`pulumi package
//     gen-sdk --language python`): Pulumi's own Python generator (pkg/v3/codegen/python).
//
// Left out on purpose: Python policy packs and plugins (RunPlugin), typecheckers (mypy, pyright),
// debugger attach, `pulumi new` templates, Link and Pack. Toolchains: pip is what we use and test;
// poetry and uv go through the same toolchain package, untested here.
package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"github.com/ablo/pulumi-ablo/engine/hostbase"
	"github.com/pulumi/pulumi/sdk/v3/python/toolchain"
)

//go:embed run.py
var runScript string

// run.py exits with this code after it has already shown the user an actionable message.
const exitCodeAlreadyReported = 32

func main() {
	hostbase.Main(func(b *hostbase.Base) pulumirpc.LanguageRuntimeServer { return &host{Base: b} })
}

type host struct {
	*hostbase.Base
}

// options reads Pulumi.yaml's runtime options: virtualenv (relative to the project's root) and
// toolchain, as the stock host does.
func options(info *pulumirpc.ProgramInfo) (toolchain.PythonOptions, error) {
	o := toolchain.PythonOptions{Root: info.GetRootDirectory(), ProgramDir: info.GetProgramDirectory()}
	if info.GetOptions() == nil {
		return o, nil
	}
	m := info.GetOptions().AsMap()
	if v, ok := m["virtualenv"]; ok {
		s, ok := v.(string)
		if !ok {
			return o, errors.New("runtime option virtualenv must be a string")
		}
		o.Virtualenv = s
	}
	if v, ok := m["toolchain"]; ok {
		switch v {
		case "pip":
			o.Toolchain = toolchain.Pip
		case "poetry":
			o.Toolchain = toolchain.Poetry
		case "uv":
			o.Toolchain = toolchain.Uv
		default:
			return o, fmt.Errorf("runtime option toolchain: %v is not one of pip, poetry, uv", v)
		}
	}
	if v, ok := m["typechecker"]; ok {
		return o, fmt.Errorf("runtime option typechecker (%v) is not supported by this language host (scripts/engine/pythonhost)", v)
	}
	return o, nil
}

func resolve(info *pulumirpc.ProgramInfo) (toolchain.Toolchain, error) {
	o, err := options(info)
	if err != nil {
		return nil, err
	}
	return toolchain.ResolveToolchain(o)
}

func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	tc, err := resolve(req.GetInfo())
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	if err := tc.ValidateVenv(ctx); err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}

	args := []string{"-u", "-c", runScript}
	flagArg := func(k, v string) {
		if v != "" {
			args = append(args, "--"+k, v)
		}
	}
	flagArg("monitor", req.GetMonitorAddress())
	flagArg("engine", h.EngineAddress)
	flagArg("project", req.GetProject())
	flagArg("root_directory", req.GetInfo().GetRootDirectory())
	flagArg("stack", req.GetStack())
	flagArg("organization", req.GetOrganization())
	flagArg("pwd", req.GetPwd())
	flagArg("dry_run", strconv.FormatBool(req.GetDryRun()))
	flagArg("parallel", strconv.Itoa(int(req.GetParallel())))
	flagArg("tracing", h.Tracing)
	args = append(args, req.GetInfo().GetEntryPoint())
	args = append(args, req.GetArgs()...)

	// The SDK reads the configuration from these, keys as "<namespace>:<name>".
	config := req.GetConfig()
	if config == nil {
		config = map[string]string{} // the SDK expects an object, even an empty one
	}
	cfg, err := json.Marshal(config)
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

	cmd, err := tc.Command(ctx, args...)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 5 * time.Second
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if cmd.Env == nil {
		cmd.Env = os.Environ()
	}
	cmd.Env = append(cmd.Env, "PULUMI_CONFIG="+string(cfg), "PULUMI_CONFIG_SECRET_KEYS="+string(secretJSON))
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			if ee.ExitCode() == exitCodeAlreadyReported {
				return &pulumirpc.RunResponse{Bail: true}, nil
			}
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited with non-zero exit code: %d", ee.ExitCode())}, nil
		}
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("could not run python: %v", err)}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

// InstallDependencies is `pulumi install`: Pulumi's toolchain creates the virtualenv named in
// Pulumi.yaml when missing and installs requirements.txt into it (pip, from the package index).
func (h *host) InstallDependencies(req *pulumirpc.InstallDependenciesRequest,
	server grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse],
) error {
	tc, err := resolve(req.GetInfo())
	if err != nil {
		return err
	}
	closer, stdout, stderr, err := rpcutil.MakeInstallDependenciesStreams(server, req.GetIsTerminal())
	if err != nil {
		return err
	}
	defer closer.Close()
	if err := tc.InstallDependencies(server.Context(), req.GetInfo().GetProgramDirectory(), req.GetUseLanguageVersionTools(),
		true, stdout, stderr); err != nil {
		return err
	}
	return closer.Close()
}

// pluginJSONScript prints, for each installed distribution that ships a pulumi-plugin.json in one
// of its top-level packages, that file's contents with the distribution's name and version.
const pluginJSONScript = `
import importlib.metadata as md, json, sys
found = []
for dist in md.distributions():
    for f in dist.files or ():
        if f.name == "pulumi-plugin.json" and len(f.parts) == 2:
            try:
                with open(dist.locate_file(f), encoding="utf-8") as fh:
                    found.append({"dist": dist.metadata["Name"], "version": dist.version, "plugin": json.load(fh)})
            except (OSError, ValueError):
                pass
json.dump(found, sys.stdout)
`

type pluginJSON struct {
	Dist    string `json:"dist"`
	Version string `json:"version"`
	Plugin  struct {
		Resource bool   `json:"resource"`
		Name     string `json:"name"`
		Version  string `json:"version"`
		Server   string `json:"server"`
	} `json:"plugin"`
}

// GetRequiredPackages names the resource plugins of the program's SDKs, read from the
// pulumi-plugin.json their generator wrote (name, version and the URL the engine may install the
// plugin from). The virtualenv is created first when missing, as the stock host does.
func (h *host) GetRequiredPackages(ctx context.Context, req *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	tc, err := resolve(req.GetInfo())
	if err != nil {
		return nil, err
	}
	if err := tc.EnsureVenv(ctx, req.GetInfo().GetProgramDirectory(), false, true, os.Stderr, os.Stderr); err != nil {
		return nil, err
	}
	cmd, err := tc.Command(ctx, "-c", pluginJSONScript)
	if err != nil {
		return nil, err
	}
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return nil, fmt.Errorf("listing the program's Pulumi packages: %w: %s", err, strings.TrimSpace(string(ee.Stderr)))
		}
		return nil, fmt.Errorf("listing the program's Pulumi packages: %w", err)
	}
	var found []pluginJSON
	if err := json.Unmarshal(out, &found); err != nil {
		return nil, fmt.Errorf("listing the program's Pulumi packages: %w", err)
	}
	var packages []*pulumirpc.PackageDependency
	for _, f := range found {
		if !f.Plugin.Resource {
			continue // e.g. the `pulumi` SDK itself
		}
		name, v := f.Plugin.Name, f.Plugin.Version
		if name == "" {
			name = strings.TrimPrefix(strings.TrimPrefix(f.Dist, "pulumi-"), "pulumi_")
		}
		if v == "" {
			v = f.Version // the generator writes the plugin's version; a plain x.y.z package version otherwise
		}
		packages = append(packages, &pulumirpc.PackageDependency{
			Name: name, Kind: "resource", Version: "v" + strings.TrimPrefix(v, "v"), Server: f.Plugin.Server,
		})
	}
	return &pulumirpc.GetRequiredPackagesResponse{Packages: packages}, nil
}

func (h *host) GetProgramDependencies(ctx context.Context, req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	tc, err := resolve(req.GetInfo())
	if err != nil {
		return nil, err
	}
	deps, err := tc.ListPackages(ctx, req.GetTransitiveDependencies())
	if err != nil {
		return nil, err
	}
	resp := &pulumirpc.GetProgramDependenciesResponse{}
	for _, d := range deps {
		resp.Dependencies = append(resp.Dependencies, &pulumirpc.DependencyInfo{Name: d.Name, Version: d.Version})
	}
	return resp, nil
}

func (h *host) About(ctx context.Context, req *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	tc, err := resolve(req.GetInfo())
	if err != nil {
		return nil, err
	}
	info, err := tc.About(ctx)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.AboutResponse{Executable: info.PythonExecutable, Version: info.PythonVersion.String()}, nil
}
