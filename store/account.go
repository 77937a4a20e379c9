package store

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kaiku-helpdesk/kaiku/models"
)

// ListUserSessions returns a user's sessions. Sessions are found by user, a scan of the small
// sessions collection (one document per logged-in browser, expired ones swept), on a page a
// user opens now and then, as DeleteUserSessions does.
func (s *Store) ListUserSessions(ctx context.Context, userID string) ([]models.Session, error) {
	return findAll[models.Session](ctx, s, collSessions, bson.D{{Key: "user_id", Value: userID}})
}

// TouchSession records when a session was last used.
func (s *Store) TouchSession(ctx context.Context, id string, at time.Time) error {
	defer s.sessions.drop(id)
	_, err := s.w(collSessions).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "last_seen_at", Value: at}}}})
	return err
}

// ReleaseEnrolOnly lets a session that could only enrol in two-factor sign-in do the rest.
func (s *Store) ReleaseEnrolOnly(ctx context.Context, id string) error {
	defer s.sessions.drop(id)
	_, err := s.w(collSessions).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "enrol_only", Value: false}}}})
	return err
}

// GetTwoFactor reads a user's two-factor enrolment; ErrNotFound when there is none.
func (s *Store) GetTwoFactor(ctx context.Context, userID string) (*models.TwoFactor, error) {
	var tf models.TwoFactor
	if err := s.getByID(ctx, collTwoFactor, userID, &tf); err != nil {
		return nil, err
	}
	return &tf, nil
}

// UpdateTwoFactor changes a user's enrolment with a conditional write (creating it first when
// there is none), so two logins using the same recovery code or code at once cannot both pass.
func (s *Store) UpdateTwoFactor(ctx context.Context, userID string, mutate func(*models.TwoFactor) error) (*models.TwoFactor, error) {
	err := s.insert(ctx, collTwoFactor, &models.TwoFactor{ID: userID, RecoveryHashes: []string{}, Version: 1})
	if err != nil && !isDup(err) {
		return nil, err
	}
	return updateVersioned(ctx, s, collTwoFactor, userID, func(t *models.TwoFactor) *int64 { return &t.Version }, mutate)
}

// InsertPasswordReset stores a "forgot password" link.
func (s *Store) InsertPasswordReset(ctx context.Context, r *models.PasswordReset) error {
	return s.insert(ctx, collPasswordResets, r)
}

// TakePasswordReset reads and deletes a reset link in one go: of two requests with the same
// link only the one whose delete removed it gets it, so a link works once.
func (s *Store) TakePasswordReset(ctx context.Context, id string) (*models.PasswordReset, error) {
	var r models.PasswordReset
	if err := s.getByID(ctx, collPasswordResets, id, &r); err != nil {
		return nil, err
	}
	res, err := s.w(collPasswordResets).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
	if err != nil {
		return nil, err
	}
	if res.DeletedCount == 0 {
		return nil, ErrNotFound
	}
	return &r, nil
}

// InsertLoginChallenge stores a login awaiting its second factor.
func (s *Store) InsertLoginChallenge(ctx context.Context, c *models.LoginChallenge) error {
	return s.insert(ctx, collLoginChallenges, c)
}

// CountChallengeAttempt raises a challenge's attempt count and returns it (0 and ErrNotFound
// when the challenge is gone).
func (s *Store) CountChallengeAttempt(ctx context.Context, id string) (*models.LoginChallenge, error) {
	var c models.LoginChallenge
	err := s.w(collLoginChallenges).FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "attempts", Value: 1}}}},
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&c)
	if err != nil {
		return nil, mapErr(err)
	}
	return &c, nil
}

// DeleteLoginChallenge removes a challenge; it reports whether this call removed it.
func (s *Store) DeleteLoginChallenge(ctx context.Context, id string) (bool, error) {
	res, err := s.w(collLoginChallenges).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
	if err != nil {
		return false, err
	}
	return res.DeletedCount == 1, nil
}

const securitySettingsID = "security"

type securitySettingsDoc struct {
	ID                      string `bson:"_id"`
	models.SecuritySettings `bson:",inline"`
}

// SecuritySettings returns the account-security settings (all off when never saved).
func (s *Store) SecuritySettings(ctx context.Context) (models.SecuritySettings, error) {
	var doc securitySettingsDoc
	err := s.getByID(ctx, collSettings, securitySettingsID, &doc)
	if errors.Is(err, ErrNotFound) {
		return models.SecuritySettings{}, nil
	}
	return doc.SecuritySettings, err
}

// SaveSecuritySettings replaces the account-security settings.
func (s *Store) SaveSecuritySettings(ctx context.Context, v models.SecuritySettings) error {
	_, err := s.w(collSettings).ReplaceOne(ctx, bson.D{{Key: "_id", Value: securitySettingsID}},
		securitySettingsDoc{ID: securitySettingsID, SecuritySettings: v}, options.Replace().SetUpsert(true))
	return err
}
