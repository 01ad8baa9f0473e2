// Datasources from Go: the provider plugin's resource (ablo:index:Datasource) through the generated
// Go SDK (sdk/go).
package main

import (
	"github.com/abloatai/pulumi-ablo/sdk/go/ablo"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		cfg := config.New(ctx, "")
		orders, err := ablo.NewDatasource(ctx, "orders", &ablo.DatasourceArgs{
			// A secret config value: stays secret in state, never an output.
			ConnectionString: cfg.RequireSecret("ordersUrl"),
			Metadata:         pulumi.StringMap{"team": pulumi.String("orders"), "managedBy": pulumi.String("pulumi-go")},
		})
		if err != nil {
			return err
		}
		ctx.Export("ordersId", orders.ID())
		ctx.Export("ordersStatus", orders.Status)
		ctx.Export("ordersDisplayName", orders.DisplayName)
		return nil
	})
}
