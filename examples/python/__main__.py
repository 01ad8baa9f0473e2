"""Datasources from Python: the provider plugin's resource (ablo:index:Datasource) through pulumi_ablo."""

import pulumi
import pulumi_ablo as ablo

config = pulumi.Config()

orders = ablo.Datasource(
    "orders",
    # A secret config value: stays secret in state, never an output.
    connection_string=config.require_secret("ordersUrl"),
    metadata={"team": "orders", "managedBy": "pulumi-python"},
)

pulumi.export("ordersId", orders.id)
pulumi.export("ordersStatus", orders.status)
pulumi.export("ordersDisplayName", orders.display_name)
