package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"

	"github.com/go-playground/validator/v10"
	"github.com/labstack/echo/v4"

	"github.com/kaiku-helpdesk/kaiku/models"
)

// Binder decodes JSON request bodies strictly and validates them.
type Binder struct {
	validate *validator.Validate
	maxBody  int64
}

// NewBinder returns a binder whose validation messages name JSON fields.
func NewBinder(maxBody int64) *Binder {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			return ""
		}
		return name
	})
	return &Binder{validate: v, maxBody: maxBody}
}

// bindJSON reads the body into dst: JSON only, no unknown fields, no keys starting with '$',
// no trailing data, size-limited; then validates dst.
func (b *Binder) bindJSON(c echo.Context, dst any) error {
	req := c.Request()
	ct := req.Header.Get(echo.HeaderContentType)
	if !strings.HasPrefix(strings.ToLower(ct), echo.MIMEApplicationJSON) {
		return &models.Error{Kind: models.KindInvalid, Code: "unsupported_media_type", Message: "send the body as application/json"}
	}
	raw, err := io.ReadAll(io.LimitReader(req.Body, b.maxBody+1))
	if err != nil {
		return models.Invalid("could not read the request body", nil)
	}
	if int64(len(raw)) > b.maxBody {
		return models.TooLarge(fmt.Sprintf("the request body is over %d bytes", b.maxBody))
	}
	if err := rejectDollarKeys(raw); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err)
	}
	if dec.More() {
		return models.Invalid("the body holds more than one JSON value", nil)
	}
	return b.check(dst)
}

// check validates a bound request and turns failures into field messages.
func (b *Binder) check(dst any) error {
	err := b.validate.Struct(dst)
	if err == nil {
		return nil
	}
	var ves validator.ValidationErrors
	if !errors.As(err, &ves) {
		return models.Invalid("invalid request", nil)
	}
	fields := map[string]string{}
	issues := map[string]models.FieldIssue{}
	for _, fe := range ves {
		name := fe.Namespace()
		if i := strings.IndexByte(name, '.'); i >= 0 {
			name = name[i+1:] // drop the Go type name
		}
		fields[name] = fieldMessage(fe)
		issues[name] = fieldIssue(fe)
	}
	e := models.Invalid("some fields are not valid", fields)
	e.FieldIssues = issues
	return e
}

// fieldIssue is fieldMessage in machine terms, for clients to word in their language.
func fieldIssue(fe validator.FieldError) models.FieldIssue {
	limit, _ := strconv.Atoi(fe.Param())
	counted := fe.Kind() == reflect.Slice || fe.Kind() == reflect.Map
	switch fe.Tag() {
	case "required":
		return models.FieldIssue{Code: "required"}
	case "email":
		return models.FieldIssue{Code: "invalid_email"}
	case "oneof":
		return models.FieldIssue{Code: "not_allowed"}
	case "min":
		if counted {
			return models.FieldIssue{Code: "too_few", Limit: limit}
		}
		if fe.Kind() == reflect.String {
			return models.FieldIssue{Code: "too_short", Limit: limit}
		}
		return models.FieldIssue{Code: "too_small", Limit: limit}
	case "max":
		if counted {
			return models.FieldIssue{Code: "too_many", Limit: limit}
		}
		if fe.Kind() == reflect.String {
			return models.FieldIssue{Code: "too_long", Limit: limit}
		}
		return models.FieldIssue{Code: "too_large", Limit: limit}
	}
	return models.FieldIssue{Code: "invalid"}
}

func fieldMessage(fe validator.FieldError) string {
	switch fe.Tag() {
	case "required":
		return "is required"
	case "email":
		return "must be an e-mail address"
	case "oneof":
		return "must be one of: " + fe.Param()
	case "min":
		if fe.Kind() == reflect.String {
			return "must be at least " + fe.Param() + " characters"
		}
		if fe.Kind() == reflect.Slice {
			return "must have at least " + fe.Param() + " items"
		}
		return "must be at least " + fe.Param()
	case "max":
		if fe.Kind() == reflect.String {
			return "must be at most " + fe.Param() + " characters"
		}
		if fe.Kind() == reflect.Slice {
			return "must have at most " + fe.Param() + " items"
		}
		return "must be at most " + fe.Param()
	}
	return "is not valid (" + fe.Tag() + ")"
}

func decodeError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return models.Invalid("the request body is empty", nil)
	case errors.As(err, &syn):
		return models.Invalid(fmt.Sprintf("malformed JSON at byte %d", syn.Offset), nil)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return models.Invalid("the body must be a JSON object", nil)
		}
		return models.InvalidField(field, "must be "+jsonKind(typ.Type))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return models.InvalidField(name, "is not a field of this request")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return models.Invalid("malformed JSON: the body ends too early", nil)
	}
	return models.Invalid("malformed JSON", nil)
}

func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Pointer:
		return jsonKind(t.Elem())
	}
	return "an object"
}

// rejectDollarKeys refuses any object key that starts with '$' anywhere in the body, so no
// operator can ever reach a database query through a request.
func rejectDollarKeys(raw []byte) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	// Track, for each open container, whether the next string token is an object key.
	type frame struct {
		object    bool
		expectKey bool
	}
	var stack []frame
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return nil // malformed JSON: the real decode reports it with a better message
		}
		top := len(stack) - 1
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				if top >= 0 && stack[top].object {
					stack[top].expectKey = true
				}
				stack = append(stack, frame{object: t == '{', expectKey: t == '{'})
			default:
				stack = stack[:top]
			}
			continue
		case string:
			if top >= 0 && stack[top].object && stack[top].expectKey {
				if strings.HasPrefix(t, "$") {
					return models.InvalidField(t, "keys starting with $ are not allowed")
				}
				stack[top].expectKey = false
				continue
			}
		}
		if top >= 0 && stack[top].object {
			stack[top].expectKey = true
		}
	}
}
