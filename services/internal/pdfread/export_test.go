package pdfread

// Spent is the work a document's reading has done so far and its budget.
func Spent(d *Document) (work, budget int64) { return d.work, d.lim.Work }
