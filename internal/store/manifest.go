package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/custos-privacy/custos/internal/custos"
)

// RecordManifest stores v through the writer if its ContentHash differs
// from the site's latest version, with a manifest.loaded entry for a site's
// first version and manifest.changed after that. A change that leaves the
// consent fingerprint as it was is still a new version. The entry's
// object_id is "<site>@<fingerprint>" and its details_hash the ContentHash.
// When it writes, it sets v.ID and v.LoadedAt (now if it was zero, else
// rounded to the microsecond in UTC).
func (db *DB) RecordManifest(ctx context.Context, v *custos.ManifestVersion) (bool, error) {
	if v == nil {
		return false, custos.Errorf(custos.EINVALID, "no manifest to record")
	}
	var f custos.Fields
	if v.Site == "" {
		f.Add("site", "is required")
	}
	if v.Fingerprint == "" {
		f.Add("fingerprint", "is required")
	}
	if v.ContentHash == "" {
		f.Add("content_hash", "is required")
	}
	if err := f.Err(); err != nil {
		return false, err
	}
	o := &op{kind: opManifest, manifest: *v}
	o.manifest.Content = append([]byte{}, v.Content...)
	if err := db.submit(ctx, o); err != nil {
		if custos.ErrorCode(err) != custos.EINTERNAL || ctx.Err() != nil {
			return false, err
		}
		return false, fmt.Errorf("store: record manifest: %w", err)
	}
	if o.changed {
		v.ID, v.LoadedAt = o.manifest.ID, o.manifest.LoadedAt
	}
	return o.changed, nil
}

// insertManifest writes o's version unless its content hash is the site's
// latest. heads remembers the content hashes this batch wrote, which the
// database query would also see; it saves the query. It reports whether it
// wrote and whether the version is the site's first.
func (w *writer) insertManifest(ctx context.Context, tx *sql.Tx, o *op, heads map[string]string, now time.Time) (wrote, first bool, err error) {
	m := &o.manifest
	latest, seen := heads[m.Site]
	if !seen {
		err := tx.QueryRowContext(ctx, `SELECT content_hash FROM manifest_versions WHERE site = $1 ORDER BY id DESC LIMIT 1`, m.Site).Scan(&latest)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			latest = ""
		case err != nil:
			return false, false, fmt.Errorf("read latest manifest: %w", err)
		}
	}
	if latest == m.ContentHash {
		return false, false, nil
	}
	if m.LoadedAt.IsZero() {
		m.LoadedAt = now
	}
	m.LoadedAt = utcMicro(m.LoadedAt)
	err = tx.QueryRowContext(ctx, `INSERT INTO manifest_versions (site, fingerprint, content_hash, source, content, loaded_at)`+
		` VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		m.Site, m.Fingerprint, m.ContentHash, m.Source, m.Content, m.LoadedAt).Scan(&m.ID)
	if err != nil {
		return false, false, fmt.Errorf("insert manifest version: %w", err)
	}
	heads[m.Site] = m.ContentHash
	o.changed = true
	return true, latest == "", nil
}

// ManifestVersions returns the versions recorded for site, oldest first,
// or an empty, non-nil slice.
func (db *DB) ManifestVersions(ctx context.Context, site string) ([]*custos.ManifestVersion, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id, site, fingerprint, content_hash, source, content, loaded_at`+
		` FROM manifest_versions WHERE site = $1 ORDER BY id`, site)
	if err != nil {
		return nil, fmt.Errorf("store: read manifest versions: %w", err)
	}
	defer rows.Close()
	list := []*custos.ManifestVersion{}
	for rows.Next() {
		var v custos.ManifestVersion
		if err := rows.Scan(&v.ID, &v.Site, &v.Fingerprint, &v.ContentHash, &v.Source, &v.Content, timeDest{&v.LoadedAt}); err != nil {
			return nil, fmt.Errorf("store: read manifest versions: %w", err)
		}
		list = append(list, &v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read manifest versions: %w", err)
	}
	return list, nil
}
