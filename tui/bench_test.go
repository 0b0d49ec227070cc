package tui

import (
	"fmt"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/evals-dev/evals/query"
)

// BenchmarkKeyOnBigGrid measures one key press and the frame after it on a 10,000-row
// outcomes grid at 160×48: what a person waits for while loads run in the background.
func BenchmarkKeyOnBigGrid(b *testing.B) {
	m := New(Options{Source: demo, StorePath: "demo", Refresh: time.Hour, NoTimers: true})
	m.Update(tea.WindowSizeMsg{Width: 160, Height: 48})
	rs := newRunScreen(m, "latest")
	m.stack = append(m.stack, rs)
	m.resize()
	rows := make([]row, 10000)
	for i := range rows {
		rows[i] = row{cells: []string{fmt.Sprintf("stimulus-%05d", i), "model", "0", "failed", "0.50", "12.3s", "4", "tests-pass", fmt.Sprintf("run-%07d", i)}}
	}
	rs.detail = &query.RunDetail{RunSummary: query.RunSummary{ID: "x", Name: "big", OutcomeCount: 10000}}
	rs.tab, rs.loaded[4] = 4, true
	rs.grids[4].setRows(rows)
	down := tea.KeyPressMsg{Code: tea.KeyDown}
	for b.Loop() {
		m.Update(down)
		_ = m.View()
	}
}
