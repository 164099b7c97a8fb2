// chart-render renders a Helm chart's templates the way `helm template` does, for CI machines that cannot
// download helm: Go's text/template with the sprig function library (the same two libraries Helm uses, from
// Debian's golang-go and golang-github-masterminds-sprig-dev) plus Helm's own functions (include, tpl,
// required, toYaml, fromYaml, toJson, fromJson, lookup) and objects (.Values, .Release, .Chart,
// .Capabilities, .Template). It is not helm: no hooks, no subcharts, no CRD handling, no server lookups, and
// values.schema.json is checked elsewhere (infra/validate with ajv). Values are loaded as Helm loads them
// (YAML -> JSON: numbers become float64), so type mistakes that break `helm template` break here too.
//
// Usage: chart-render [--strict] [--release NAME] [--namespace NS] [-f values.yaml]... [--set a.b=c]... CHART_DIR
// Prints the manifests (with "# Source:" headers) on stdout; a template error or a `fail` exits 1 with the
// message on stderr.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"text/template"

	sprig "github.com/Masterminds/sprig/v3"
	"gopkg.in/yaml.v3"
)

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func main() {
	var valueFiles, sets multiFlag
	strict := flag.Bool("strict", false, "fail on a missing map key (missingkey=error), as `helm lint --strict`")
	release := flag.String("release", "release", "release name")
	namespace := flag.String("namespace", "default", "release namespace")
	flag.Var(&valueFiles, "f", "values file (repeatable, later wins)")
	flag.Var(&sets, "set", "key.path=value (repeatable; true/false/numbers are typed as by helm --set)")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: chart-render [--strict] [--release N] [--namespace NS] [-f values.yaml]... [--set k=v]... CHART_DIR")
		os.Exit(2)
	}
	out, err := render(flag.Arg(0), *release, *namespace, valueFiles, sets, *strict)
	if err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		os.Exit(1)
	}
	os.Stdout.WriteString(out)
}

func render(chartDir, release, namespace string, valueFiles, sets []string, strict bool) (string, error) {
	chartMeta, err := loadYAMLFile(filepath.Join(chartDir, "Chart.yaml"))
	if err != nil {
		return "", fmt.Errorf("Chart.yaml: %w", err)
	}
	values, err := loadYAMLFile(filepath.Join(chartDir, "values.yaml"))
	if err != nil {
		return "", fmt.Errorf("values.yaml: %w", err)
	}
	for _, f := range valueFiles {
		v, err := loadYAMLFile(f)
		if err != nil {
			return "", fmt.Errorf("%s: %w", f, err)
		}
		values = mergeValues(values, v)
	}
	for _, s := range sets {
		if err := setValue(values, s); err != nil {
			return "", err
		}
	}

	chart := map[string]interface{}{}
	for k, v := range chartMeta {
		if len(k) > 0 {
			chart[strings.ToUpper(k[:1])+k[1:]] = v // Helm exposes .Chart.Name, .Chart.Version, .Chart.AppVersion, ...
		}
	}
	name, _ := chart["Name"].(string)

	tmplDir := filepath.Join(chartDir, "templates")
	var files []string
	err = filepath.Walk(tmplDir, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if !info.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	sort.Strings(files)

	root := template.New("root")
	if strict {
		root.Option("missingkey=error")
	} else {
		root.Option("missingkey=zero")
	}
	funcs := sprig.TxtFuncMap()
	delete(funcs, "env") // as Helm: no access to the renderer's environment
	delete(funcs, "expandenv")
	includedNames := map[string]int{}
	funcs["include"] = func(tname string, data interface{}) (string, error) {
		if includedNames[tname] > 1000 {
			return "", fmt.Errorf("rendering template has a nested reference name: %s", tname)
		}
		includedNames[tname]++
		defer func() { includedNames[tname]-- }()
		var buf bytes.Buffer
		if err := root.ExecuteTemplate(&buf, tname, data); err != nil {
			return "", err
		}
		return buf.String(), nil
	}
	funcs["tpl"] = func(text string, data interface{}) (string, error) {
		t, err := root.Clone()
		if err != nil {
			return "", err
		}
		t, err = t.New("tpl").Parse(text)
		if err != nil {
			return "", err
		}
		var buf bytes.Buffer
		if err := t.ExecuteTemplate(&buf, "tpl", data); err != nil {
			return "", err
		}
		return buf.String(), nil
	}
	funcs["required"] = func(msg string, v interface{}) (interface{}, error) {
		if v == nil {
			return v, errors.New(msg)
		}
		if s, ok := v.(string); ok && s == "" {
			return v, errors.New(msg)
		}
		return v, nil
	}
	funcs["toYaml"] = func(v interface{}) string {
		var buf bytes.Buffer
		enc := yaml.NewEncoder(&buf)
		enc.SetIndent(2)
		if err := enc.Encode(toPlain(v)); err != nil {
			return ""
		}
		_ = enc.Close()
		return strings.TrimSuffix(buf.String(), "\n")
	}
	funcs["fromYaml"] = func(s string) map[string]interface{} {
		m, err := parseYAML([]byte(s))
		if err != nil {
			return map[string]interface{}{"Error": err.Error()}
		}
		return m
	}
	funcs["toJson"] = func(v interface{}) string {
		b, err := json.Marshal(v)
		if err != nil {
			return ""
		}
		return string(b)
	}
	funcs["fromJson"] = func(s string) map[string]interface{} {
		m := map[string]interface{}{}
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			m["Error"] = err.Error()
		}
		return m
	}
	funcs["lookup"] = func(string, string, string, string) (map[string]interface{}, error) {
		return map[string]interface{}{}, nil // as `helm template`: no cluster
	}
	root.Funcs(funcs)

	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return "", err
		}
		rel, _ := filepath.Rel(chartDir, f)
		tname := filepath.ToSlash(filepath.Join(name, rel))
		if _, err := root.New(tname).Parse(string(b)); err != nil {
			return "", fmt.Errorf("parse error in %s: %w", tname, err)
		}
	}

	var out strings.Builder
	for _, f := range files {
		base := filepath.Base(f)
		if strings.HasPrefix(base, "_") || base == "NOTES.txt" {
			continue
		}
		ext := filepath.Ext(base)
		if ext != ".yaml" && ext != ".yml" && ext != ".tpl" && ext != ".json" {
			continue
		}
		if ext == ".tpl" {
			continue
		}
		rel, _ := filepath.Rel(chartDir, f)
		tname := filepath.ToSlash(filepath.Join(name, rel))
		top := map[string]interface{}{
			"Values":  values,
			"Chart":   chart,
			"Release": map[string]interface{}{"Name": release, "Namespace": namespace, "Service": "Helm", "IsInstall": true, "IsUpgrade": false, "Revision": 1},
			"Capabilities": map[string]interface{}{
				"KubeVersion": map[string]interface{}{"Version": "v1.33.0", "Major": "1", "Minor": "33", "GitVersion": "v1.33.0"},
				"APIVersions": apiVersions{},
				"HelmVersion": map[string]interface{}{"Version": "v3.18.0"},
			},
			"Template": map[string]interface{}{"Name": tname, "BasePath": filepath.ToSlash(filepath.Join(name, "templates"))},
			"Files":    map[string]interface{}{},
		}
		var buf bytes.Buffer
		if err := root.ExecuteTemplate(&buf, tname, top); err != nil {
			return "", cleanError(err)
		}
		text := strings.ReplaceAll(buf.String(), "<no value>", "")
		if strings.TrimSpace(text) == "" {
			continue
		}
		out.WriteString("---\n# Source: " + tname + "\n" + strings.TrimLeft(text, "\n"))
		if !strings.HasSuffix(text, "\n") {
			out.WriteString("\n")
		}
	}
	return out.String(), nil
}

// apiVersions answers .Capabilities.APIVersions.Has as helm template does without a cluster (built-ins only).
type apiVersions struct{}

func (apiVersions) Has(v string) bool {
	return strings.HasPrefix(v, "v1") || strings.HasPrefix(v, "apps/v1") || strings.HasPrefix(v, "policy/v1") ||
		strings.HasPrefix(v, "batch/v1") || strings.HasPrefix(v, "autoscaling/v2")
}

// cleanError keeps the message of a `fail` or `required` readable, as Helm does.
func cleanError(err error) error {
	msg := err.Error()
	if i := strings.Index(msg, "error calling fail: "); i >= 0 {
		return fmt.Errorf("execution error: %s", msg[i+len("error calling fail: "):])
	}
	if i := strings.Index(msg, "error calling required: "); i >= 0 {
		return fmt.Errorf("execution error: %s", msg[i+len("error calling required: "):])
	}
	return err
}

func loadYAMLFile(path string) (map[string]interface{}, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parseYAML(b)
}

// parseYAML loads YAML the way Helm does (through JSON), so numbers are float64 and keys strings.
func parseYAML(b []byte) (map[string]interface{}, error) {
	var raw interface{}
	if err := yaml.Unmarshal(b, &raw); err != nil {
		return nil, err
	}
	if raw == nil {
		return map[string]interface{}{}, nil
	}
	j, err := json.Marshal(toPlain(raw))
	if err != nil {
		return nil, err
	}
	out := map[string]interface{}{}
	if err := json.Unmarshal(j, &out); err != nil {
		return nil, fmt.Errorf("top level must be a map: %w", err)
	}
	return out, nil
}

// toPlain turns map[interface{}]interface{} (and nested) into JSON-marshalable map[string]interface{}.
func toPlain(v interface{}) interface{} {
	switch t := v.(type) {
	case map[string]interface{}:
		m := make(map[string]interface{}, len(t))
		for k, x := range t {
			m[k] = toPlain(x)
		}
		return m
	case map[interface{}]interface{}:
		m := make(map[string]interface{}, len(t))
		for k, x := range t {
			m[fmt.Sprint(k)] = toPlain(x)
		}
		return m
	case []interface{}:
		l := make([]interface{}, len(t))
		for i, x := range t {
			l[i] = toPlain(x)
		}
		return l
	case float64:
		if t == float64(int64(t)) && t < 1e15 && t > -1e15 {
			return int64(t) // print 3, not 3.0, in toYaml (as sigs.k8s.io/yaml does)
		}
		return t
	default:
		return v
	}
}

// mergeValues merges src over dst (maps recursively, everything else replaced), like helm's -f.
func mergeValues(dst, src map[string]interface{}) map[string]interface{} {
	for k, sv := range src {
		if sm, ok := sv.(map[string]interface{}); ok {
			if dm, ok := dst[k].(map[string]interface{}); ok {
				dst[k] = mergeValues(dm, sm)
				continue
			}
		}
		if sv == nil {
			delete(dst, k) // helm: null removes a default
			continue
		}
		dst[k] = sv
	}
	return dst
}

// setValue applies one --set a.b.c=value (no list indexes; dots inside keys escaped as \.).
func setValue(values map[string]interface{}, s string) error {
	eq := strings.Index(s, "=")
	if eq <= 0 {
		return fmt.Errorf("--set %q: want key=value", s)
	}
	path := splitKey(s[:eq])
	raw := s[eq+1:]
	var val interface{} = raw
	switch {
	case raw == "true":
		val = true
	case raw == "false":
		val = false
	case raw == "null":
		val = nil
	default:
		if n, err := strconv.ParseInt(raw, 10, 64); err == nil {
			val = float64(n)
		}
	}
	m := values
	for i, k := range path {
		if i == len(path)-1 {
			if val == nil {
				delete(m, k)
			} else {
				m[k] = val
			}
			return nil
		}
		next, ok := m[k].(map[string]interface{})
		if !ok {
			next = map[string]interface{}{}
			m[k] = next
		}
		m = next
	}
	return nil
}

func splitKey(k string) []string {
	var parts []string
	var cur strings.Builder
	for i := 0; i < len(k); i++ {
		if k[i] == '\\' && i+1 < len(k) && k[i+1] == '.' {
			cur.WriteByte('.')
			i++
			continue
		}
		if k[i] == '.' {
			parts = append(parts, cur.String())
			cur.Reset()
			continue
		}
		cur.WriteByte(k[i])
	}
	return append(parts, cur.String())
}
