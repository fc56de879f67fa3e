package kubernetes

import "go.yaml.in/yaml/v3"

// locator finds the line of a field of an object in its YAML.
//
// The objects are decoded through sigs.k8s.io/yaml, which converts YAML to
// JSON and drops every position; the same document is therefore also parsed
// with go.yaml.in/yaml/v3, whose nodes keep their lines, and a field path
// ("spec", "containers", 0, "securityContext") is walked down that tree.
type locator struct {
	node   *yaml.Node
	offset int // lines of the input before the document
}

// at returns the locator of the node at path, or of the deepest node of
// path that exists.
func (l locator) at(path ...any) locator {
	n, _ := walk(l.node, path)
	return locator{node: n, offset: l.offset}
}

// line returns the line of the field at path: the line of its key in a
// mapping, of its item in a sequence; when the path does not exist all the
// way down (an unset field), the line of the deepest part that does.
func (l locator) line(path ...any) int {
	_, line := walk(l.node, path)
	return l.offset + line
}

// walk follows path from n; a string steps into a mapping, an int into a
// sequence. It returns the deepest node reached and the line that best
// points at it.
func walk(n *yaml.Node, path []any) (*yaml.Node, int) {
	n = resolve(n)
	line := n.Line
	for _, step := range path {
		var key, value *yaml.Node
		switch s := step.(type) {
		case string:
			key, value = lookup(n, s)
		case int:
			if n.Kind == yaml.SequenceNode && s >= 0 && s < len(n.Content) {
				value = n.Content[s]
				key = value
			}
		}
		if value == nil {
			break
		}
		n, line = resolve(value), key.Line
	}
	return n, line
}

// lookup returns the key and value of a mapping entry; the last one wins,
// as it does in the JSON the object was decoded from.
func lookup(n *yaml.Node, key string) (k, v *yaml.Node) {
	if n.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Kind == yaml.ScalarNode && n.Content[i].Value == key {
			k, v = n.Content[i], n.Content[i+1]
		}
	}
	return k, v
}

// resolve follows aliases and enters documents.
func resolve(n *yaml.Node) *yaml.Node {
	// An alias cannot point at itself or at an alias (the YAML parser
	// resolves anchors to the nodes they name), so this ends; the bound is
	// a guard against a future parser that allows otherwise.
	for range 16 {
		switch {
		case n.Kind == yaml.AliasNode && n.Alias != nil:
			n = n.Alias
		case n.Kind == yaml.DocumentNode && len(n.Content) > 0:
			n = n.Content[0]
		default:
			return n
		}
	}
	return n
}

// scalar returns the value of a scalar entry of a mapping, "" if absent.
func scalar(n *yaml.Node, key string) string {
	_, v := lookup(n, key)
	if v == nil {
		return ""
	}
	if v = resolve(v); v.Kind != yaml.ScalarNode {
		return ""
	}
	return v.Value
}
