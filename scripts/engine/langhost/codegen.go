package main

import (
	"context"

	nodejs "github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"github.com/ablo/pulumi-ablo/engine/codegenrpc"
)

// GenerateProgram turns the engine's PCL into TypeScript: what `pulumi import` prints for a
// Node.js project, by Pulumi's own TypeScript generator (pkg/v3/codegen/nodejs). (The engine's
// loader hands packages over without their language sections, so imports are written
// "@pulumi/<name>" whatever the schema's language.nodejs.packageName says.)
func (h *host) GenerateProgram(ctx context.Context, req *pulumirpc.GenerateProgramRequest) (*pulumirpc.GenerateProgramResponse, error) {
	return codegenrpc.GenerateProgram(req, nodejs.GenerateProgram)
}

// GeneratePackage writes a TypeScript SDK from a package schema (`pulumi package gen-sdk
// --language nodejs`), by the same generator.
func (h *host) GeneratePackage(ctx context.Context, req *pulumirpc.GeneratePackageRequest) (*pulumirpc.GeneratePackageResponse, error) {
	return codegenrpc.GeneratePackage(req, func(pkg *schema.Package, req *pulumirpc.GeneratePackageRequest, loader schema.ReferenceLoader) (map[string][]byte, error) {
		return nodejs.GeneratePackage("pulumi-language-nodejs", pkg, req.ExtraFiles, req.LocalDependencies, req.Local, loader)
	})
}
