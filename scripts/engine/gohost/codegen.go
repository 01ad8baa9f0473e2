package main

import (
	"context"
	"errors"

	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"github.com/ablo/pulumi-ablo/engine/codegenrpc"
)

// GenerateProgram turns the engine's PCL into Go: what `pulumi import` prints for a Go project, by
// Pulumi's own Go generator (pkg/v3/codegen/go). (The engine's loader hands packages over without
// their language sections, so the generator imports "github.com/pulumi/pulumi-<name>/sdk/go/<name>"
// whatever the schema's language.go.importBasePath says.)
func (h *host) GenerateProgram(ctx context.Context, req *pulumirpc.GenerateProgramRequest) (*pulumirpc.GenerateProgramResponse, error) {
	return codegenrpc.GenerateProgram(req, gogen.GenerateProgram)
}

// GeneratePackage writes a Go SDK from a package schema (`pulumi package gen-sdk --language go`), by
// the same generator: the package under <name>/ and, for a schema with meta.supportPack, the
// module's go.mod beside it.
func (h *host) GeneratePackage(ctx context.Context, req *pulumirpc.GeneratePackageRequest) (*pulumirpc.GeneratePackageResponse, error) {
	return codegenrpc.GeneratePackage(req, func(pkg *schema.Package, req *pulumirpc.GeneratePackageRequest, _ schema.ReferenceLoader) (map[string][]byte, error) {
		if len(req.ExtraFiles) > 0 {
			return nil, errors.New("extra files (overlays) are not supported for Go")
		}
		return gogen.GeneratePackage("pulumi-language-go", pkg, req.LocalDependencies)
	})
}
