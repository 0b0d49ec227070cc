// Package tui is the Bubble Tea explorer: runs → run (ranking, graders, tools, matrix,
// outcomes) → outcome → trajectory, and compare. It reads only through query and store,
// inside tea.Cmds; it never opens files itself. It must not import serve, ingest or cmd.
package tui
