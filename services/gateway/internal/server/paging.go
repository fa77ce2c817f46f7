package server

// defaultPageSize is the size of a page when the caller names none.
const defaultPageSize = 20

// pageSize is the page size the caller asked for, or the default.
func pageSize(asked *int) int {
	if asked == nil {
		return defaultPageSize
	}
	return *asked
}

// listOf converts the items of a page to their HTTP form. An empty page is
// an empty list, never null.
func listOf[R, T any](rows []R, convert func(R) T) []T {
	out := make([]T, 0, len(rows))
	for _, r := range rows {
		out = append(out, convert(r))
	}
	return out
}
