package edxml

// BuildUnchecked signs m as Build does but skips the checks, so tests can
// make correctly signed packages that a careful sender would never send
// (unknown codes, a certificate of another agency).
func BuildUnchecked(m Message, s Signer) ([]byte, error) {
	doc, header := encodeMessage(&m)
	xmlBytes, err := signed(doc, header, m.Attachments, s, DefaultLimits)
	if err != nil {
		return nil, err
	}
	return writeContainer(xmlBytes, m.Attachments)
}

// BuildStatusUnchecked is BuildUnchecked for a status.
func BuildStatusUnchecked(st Status, s Signer) ([]byte, error) {
	doc, header := encodeStatus(&st)
	return signed(doc, header, nil, s, DefaultLimits)
}
