package main

import (
	"context"

	"github.com/pulumi/pulumi/pkg/v3/codegen/pcl"
	python "github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"github.com/ablo/pulumi-ablo/engine/codegenrpc"
)

// GenerateProgram turns the engine's PCL into Python: what `pulumi import` prints for a Python
// project, by Pulumi's own Python generator (pkg/v3/codegen/python), with the stock host's binding
// option (invokes in their output form). Packages are imported as `pulumi_<name>`.
func (h *host) GenerateProgram(ctx context.Context, req *pulumirpc.GenerateProgramRequest) (*pulumirpc.GenerateProgramResponse, error) {
	return codegenrpc.GenerateProgram(req, python.GenerateProgram, pcl.PreferOutputVersionedInvokes)
}

// GeneratePackage writes a Python SDK from a package schema (`pulumi package gen-sdk --language
// python`), by the same generator.
func (h *host) GeneratePackage(ctx context.Context, req *pulumirpc.GeneratePackageRequest) (*pulumirpc.GeneratePackageResponse, error) {
	return codegenrpc.GeneratePackage(req, func(pkg *schema.Package, req *pulumirpc.GeneratePackageRequest, loader schema.ReferenceLoader) (map[string][]byte, error) {
		return python.GeneratePackage("pulumi-language-python", pkg, req.ExtraFiles, loader)
	})
}
