// Package web is the HTML face of evals: the dashboard that evals serve mounts at / and
// the static bundle evals report --html writes. Pages are rendered in Go with
// html/template from the same query answers as the JSON API; charts are SVG written here;
// the CSS and the one small script are embedded. No framework, no build step, no CDN.
package web
