// Registers PostgreSQL databases with Ablo as datasources.
package ablo
