package pdfread

import "fmt"

// Catalog is the view's document catalog (/Root), nil when there is none.
func (v *View) Catalog() Dict { return AsDict(v.Resolve(v.Trailer["Root"])) }

// Pages walks the page tree in page order, calling fn (when it is not nil)
// with each page and the reference to it, and returns the number of pages.
// A node reached twice (a /Kids entry pointing back up the tree, a page
// listed as its own kid) is ErrPageTree: readers that navigate the tree by
// /Kids and /Count would loop on it. A tree deeper than Limits.MaxDepth is
// ErrPageTreeSize.
func (v *View) Pages(fn func(Ref, Dict)) (int, error) {
	cat, err := v.ResolveErr(v.Trailer["Root"])
	if err != nil {
		return 0, fmt.Errorf("document catalog: %w", err)
	}
	root := AsDict(cat)["Pages"]
	if root == nil {
		return 0, damaged(ErrPageTree, "the document catalog has no page tree (/Pages)")
	}
	w := pageWalk{v: v, fn: fn, seen: map[int64]bool{}}
	if err := w.walk(root, 0); err != nil {
		return 0, err
	}
	return w.count, nil
}

type pageWalk struct {
	v     *View
	fn    func(Ref, Dict)
	seen  map[int64]bool
	count int
}

func (w *pageWalk) walk(node any, depth int) error {
	if limit := w.v.doc.lim.MaxDepth; depth > limit {
		return limitErr(ErrPageTreeSize, int64(depth), int64(limit), "the page tree is %d levels deep, more than %d")
	}
	ref, isRef := AsRef(node)
	if isRef {
		if w.seen[ref.Num] {
			return damaged(ErrPageTree, "the page tree reaches object %d twice: it loops back on itself", ref.Num)
		}
		w.seen[ref.Num] = true
	}
	o, err := w.v.ResolveErr(node)
	if err != nil {
		return fmt.Errorf("page tree: %w", err)
	}
	d := AsDict(o)
	if d == nil {
		return damaged(ErrPageTree, "the page tree lists %s, which is not a page or a node of pages", describe(node))
	}
	if !isNode(d) {
		w.count++
		if w.fn != nil {
			w.fn(ref, d)
		}
		return nil
	}
	kids, err := w.v.ResolveErr(d["Kids"])
	if err != nil {
		return fmt.Errorf("page tree: %w", err)
	}
	for _, kid := range AsArray(kids) {
		if err := w.walk(kid, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// isNode tells a node of the page tree from a page: by its /Type, or, when
// a writer left that out, by whether it has kids.
func isNode(d Dict) bool {
	switch AsName(d["Type"]) {
	case "Pages":
		return true
	case "Page":
		return false
	}
	return d["Kids"] != nil
}

func describe(node any) string {
	if r, ok := AsRef(node); ok {
		return fmt.Sprintf("object %d", r.Num)
	}
	return "a direct value"
}
