package handlers

import "github.com/labstack/echo/v4"

// The answers of the handlers whose use case returns stored records: each record goes out in
// the handler's own response shape (never as stored), or the use case's error as it is.

// shaped answers one record in its response shape with status.
func shaped[T, R any](c echo.Context, status int, record *T, err error, shape func(*T) R) error {
	if err != nil {
		return err
	}
	return data(c, status, shape(record))
}

// shapedList answers records, each in its response shape, with their total.
func shapedList[T, R any](c echo.Context, records []T, err error, shape func(*T) R) error {
	if err != nil {
		return err
	}
	out := make([]R, len(records))
	for i := range records {
		out[i] = shape(&records[i])
	}
	return list(c, out, map[string]any{"total": len(out)})
}
