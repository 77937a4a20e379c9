#!/usr/bin/env python3
"""Cuts the demo's subset from the shared data files (see README.md). Deterministic: the same
inputs give the same output. Usage: python3 subset.py /path/to/shared/data"""
import csv, gzip, io, sys

src = sys.argv[1]

# CFPB: complaints with a narrative of 80-1,800 characters, at most 170 per product (credit
# reporting is half the file), in file order, 620 in all.
per_product, kept = {}, []
with open(f"{src}/cfpb_complaints_sample.csv", newline="", encoding="utf-8") as f:
    for r in csv.DictReader(f):
        text = r["Consumer complaint narrative"].strip()
        if not 80 <= len(text) <= 1800:
            continue
        n = per_product.get(r["Product"], 0)
        if n >= 170 or len(kept) >= 620:
            continue
        per_product[r["Product"]] = n + 1
        kept.append([r["Complaint ID"], r["Date received"], r["Product"], r["Sub-product"], r["Issue"],
                     r["Company"], r["Submitted via"], text])
buf = io.StringIO()
w = csv.writer(buf, lineterminator="\n")
w.writerow(["complaint_id", "date_received", "product", "sub_product", "issue", "company", "submitted_via", "narrative"])
w.writerows(kept)
with gzip.GzipFile("cfpb_complaints.csv.gz", "wb", mtime=0) as g:
    g.write(buf.getvalue().encode("utf-8"))

# Booking.com: reviews with some text, in file order, by score band (low scores are rarer, so
# the demo gets enough of them to work): 140 under 6, 120 from 6 to under 8.5, 140 from 8.5.
bands, want, rows = [0, 0, 0], [140, 120, 140], []
with open(f"{src}/booking_hotel_reviews_sample.csv", newline="", encoding="utf-8") as f:
    for i, r in enumerate(csv.DictReader(f), start=1):
        neg, pos = r["Negative_Review"].strip(), r["Positive_Review"].strip()
        neg = "" if neg.lower() in ("no negative", "nothing", "n a", "na") else neg
        pos = "" if pos.lower() in ("no positive", "nothing", "n a", "na") else pos
        if not 30 <= len(neg) + len(pos) <= 1200:
            continue
        score = float(r["Reviewer_Score"])
        b = 0 if score < 6 else 1 if score < 8.5 else 2
        if bands[b] >= want[b]:
            continue
        bands[b] += 1
        rows.append([str(i), r["Review_Date"], r["Hotel_Name"], r["Reviewer_Nationality"], r["Reviewer_Score"], neg, pos])
buf = io.StringIO()
w = csv.writer(buf, lineterminator="\n")
w.writerow(["row", "review_date", "hotel_name", "reviewer_nationality", "reviewer_score", "negative", "positive"])
w.writerows(rows)
with gzip.GzipFile("hotel_reviews.csv.gz", "wb", mtime=0) as g:
    g.write(buf.getvalue().encode("utf-8"))
print(len(kept), "complaints,", len(rows), "reviews", per_product, bands)
