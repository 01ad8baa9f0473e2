// Package hostbase is what our language hosts (langhost for Node.js, pythonhost for Python) share:
// the process's life beside the engine (flags, health check, the gRPC server, the port on the first
// line of output) and the RPCs whose answers do not depend on the language.
package hostbase

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/cmdutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/logging"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// Base is embedded (by pointer) in each host: the engine's address and the tracing endpoint, and
// the language-independent RPCs.
type Base struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	EngineAddress string
	Tracing       string
}

func (b *Base) Handshake(ctx context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	b.EngineAddress = req.EngineAddress
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (b *Base) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version.Version}, nil
}

func (b *Base) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

// Main parses the flags the engine passes, then serves the host that newHost makes on the base
// until the engine is gone (or the process is interrupted).
func Main(newHost func(*Base) pulumirpc.LanguageRuntimeServer) {
	tracing := flag.String("tracing", "", "Zipkin-compatible tracing endpoint (passed through to the SDK)")
	showVersion := flag.Bool("version", false, "print the version and exit")
	flag.Parse()
	if *showVersion {
		fmt.Println(version.Version)
		return
	}
	logging.InitLogging(false, 0, false)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	cancel := make(chan bool)
	go func() { <-ctx.Done(); close(cancel) }()

	base := &Base{Tracing: *tracing}
	if args := flag.Args(); len(args) > 0 {
		base.EngineAddress = args[0]
		if err := rpcutil.Healthcheck(ctx, base.EngineAddress, 5*time.Minute, stop); err != nil {
			cmdutil.Exit(fmt.Errorf("could not start health check: %w", err))
		}
	}
	h := newHost(base)
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: cancel,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, h)
			return nil
		},
	})
	if err != nil {
		cmdutil.Exit(fmt.Errorf("could not start language host: %w", err))
	}
	fmt.Printf("%d\n", handle.Port) // the engine reads our port from the first line
	if err := <-handle.Done; err != nil {
		cmdutil.Exit(err)
	}
}
