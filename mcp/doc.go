// Package mcp is the face of evals for agents: a Model Context Protocol server whose tools
// are the questions (runs, ranking, compare, failures, …), built on the official Go SDK.
//
// It calls the same query functions as the CLI and the HTTP API and returns the same JSON
// types as structured content, so `evals ranking --json` and the ranking tool agree. The
// tools' input and output schemas come from the reflection that writes the OpenAPI
// document (format.Schemas): one source, no drift. Budgets keep answers small for an
// agent's context (a page of 20, long strings and lists cut with a note saying so), and
// text from results stays in fields: it is never put in a description or a summary line.
//
// cmd runs it on stdio (evals mcp); serve mounts it at /mcp (Streamable HTTP). It imports
// query, format, store and errs; it must not import tui, web, serve, ingest or cmd.
package mcp
