package demo

import (
	"compress/gzip"
	"embed"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// The real public texts the demo files (see data/README.md for their source and licence).
//
//go:embed data/*.csv.gz
var dataFiles embed.FS

// Complaint is one CFPB consumer complaint of the subset.
type Complaint struct {
	ID, Product, SubProduct, Issue, Company, SubmittedVia, Narrative string
}

// Review is one Booking.com hotel review of the subset; Score is Booking's 1-10.
type Review struct {
	Row, Hotel, Nationality, Negative, Positive string
	Score                                       float64
}

// Data is what the demo files: complaints and reviews.
type Data struct {
	Complaints []Complaint
	Reviews    []Review
}

// Bundled reads the subset checked in with Kaiku.
func Bundled() (*Data, error) {
	cf, err := dataFiles.Open("data/cfpb_complaints.csv.gz")
	if err != nil {
		return nil, err
	}
	defer cf.Close()
	rf, err := dataFiles.Open("data/hotel_reviews.csv.gz")
	if err != nil {
		return nil, err
	}
	defer rf.Close()
	return Read(cf, rf)
}

// Read parses the subset's two gzipped CSV files (the layout subset.py writes).
func Read(complaints, reviews io.Reader) (*Data, error) {
	d := &Data{}
	err := eachRow(complaints, 8, func(r []string) error {
		d.Complaints = append(d.Complaints, Complaint{ID: r[0], Product: r[2], SubProduct: r[3], Issue: r[4],
			Company: r[5], SubmittedVia: r[6], Narrative: r[7]})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("demo complaints: %w", err)
	}
	err = eachRow(reviews, 7, func(r []string) error {
		score, err := strconv.ParseFloat(r[4], 64)
		if err != nil {
			return fmt.Errorf("review %s: score %q", r[0], r[4])
		}
		d.Reviews = append(d.Reviews, Review{Row: r[0], Hotel: r[2], Nationality: r[3], Score: score,
			Negative: r[5], Positive: r[6]})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("demo reviews: %w", err)
	}
	return d, nil
}

func eachRow(gz io.Reader, columns int, fn func([]string) error) error {
	zr, err := gzip.NewReader(gz)
	if err != nil {
		return err
	}
	r := csv.NewReader(zr)
	r.FieldsPerRecord = columns
	if _, err := r.Read(); err != nil { // the header
		return err
	}
	for {
		row, err := r.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		for i := range row {
			row[i] = strings.TrimSpace(row[i])
		}
		if err := fn(row); err != nil {
			return err
		}
	}
}
