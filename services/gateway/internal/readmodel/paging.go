package readmodel

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/docflow/docflow/api/errcode"
	"github.com/docflow/docflow/services/internal/errs"
)

// Lists come in pages; a page token holds the listing it belongs to and the
// position after the last item returned, so that paging is stable while
// items come and go.
const (
	defaultPageSize        = 20
	maxPageSize            = 100
	pageTokenFieldSep      = "|"
	pageTokenMalformedHint = "page_token is not one this server issued for this sort; start again without it"
)

// pageSize is the size of a page asked for: the default when none is
// asked, refused above the largest.
func pageSize(op string, asked int) (int, error) {
	if asked <= 0 {
		return defaultPageSize, nil
	}
	if asked > maxPageSize {
		return 0, errs.E(op, errs.Invalid, errcode.InvalidArgument,
			fmt.Sprintf("page_size must be at most %d", maxPageSize)).WithDetail("page_size", fmt.Sprintf("at most %d", maxPageSize))
	}
	return asked, nil
}

func encodePageToken(sort string, key []string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(sort + pageTokenFieldSep + strings.Join(key, pageTokenFieldSep)))
}

// decodePageToken returns the position a token holds, refusing a token of
// another sort: its position means nothing in this order.
func decodePageToken(token, sort string, fields int) ([]string, error) {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return nil, err
	}
	parts := strings.Split(string(raw), pageTokenFieldSep)
	if len(parts) != fields+1 || parts[0] != sort {
		return nil, errors.New("page token of another sort or shape")
	}
	return parts[1:], nil
}
