package store

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kaiku-helpdesk/kaiku/models"
)

// userEmail maps a normalised email to its user, so login is a read by _id and two users with
// one email fail on insert.
type userEmail struct {
	ID     string `bson:"_id"`
	UserID string `bson:"user_id"`
}

// InsertUser stores a new user; an email already taken gives ErrDuplicate.
func (s *Store) InsertUser(ctx context.Context, u *models.User) error {
	defer s.users.drop()
	if err := s.insert(ctx, collUserEmails, userEmail{ID: u.Email, UserID: u.ID}); err != nil {
		return err
	}
	if err := s.insert(ctx, collUsers, u); err != nil {
		_ = s.deleteByID(ctx, collUserEmails, u.Email)
		return err
	}
	return nil
}

// ActiveUser reads a user by ID from the users snapshot (at most snapshotTTL old; a write
// through this process shows at once), for the authentication of every staff request;
// administration reads GetUser.
func (s *Store) ActiveUser(ctx context.Context, id string) (*models.User, error) {
	users, err := s.UsersSnapshot(ctx)
	if err != nil {
		return nil, err
	}
	for i := range users {
		if users[i].ID == id {
			return &users[i], nil
		}
	}
	return nil, ErrNotFound
}

// GetUser reads a user by ID.
func (s *Store) GetUser(ctx context.Context, id string) (*models.User, error) {
	var u models.User
	if err := s.getByID(ctx, collUsers, id, &u); err != nil {
		return nil, err
	}
	return &u, nil
}

// GetUserByEmail reads a user by normalised email.
func (s *Store) GetUserByEmail(ctx context.Context, email string) (*models.User, error) {
	var ue userEmail
	if err := s.getByID(ctx, collUserEmails, email, &ue); err != nil {
		return nil, err
	}
	return s.GetUser(ctx, ue.UserID)
}

// UpdateUser writes u back if its stored version is still u.Version-1.
func (s *Store) UpdateUser(ctx context.Context, u *models.User) error {
	defer s.users.drop()
	return replaceVersioned(ctx, s, collUsers, u.ID, func(u *models.User) *int64 { return &u.Version }, u)
}

// ListUsers returns every staff user (a small collection).
func (s *Store) ListUsers(ctx context.Context) ([]models.User, error) {
	return findAll[models.User](ctx, s, collUsers, nil)
}

// UsersSnapshot returns every staff user from a snapshot at most snapshotTTL old, for work
// that runs per case (rule notifications, round robin); user administration reads ListUsers.
func (s *Store) UsersSnapshot(ctx context.Context) ([]models.User, error) {
	return s.users.get(ctx, s.ListUsers)
}

// CountUsers tells whether any user exists, for the first-admin bootstrap.
func (s *Store) CountUsers(ctx context.Context) (int64, error) {
	return s.c(collUsers).CountDocuments(ctx, bson.D{})
}

// InsertTeam stores a new team.
func (s *Store) InsertTeam(ctx context.Context, t *models.Team) error {
	return s.insert(ctx, collTeams, t)
}

// GetTeam reads a team by ID.
func (s *Store) GetTeam(ctx context.Context, id string) (*models.Team, error) {
	var t models.Team
	if err := s.getByID(ctx, collTeams, id, &t); err != nil {
		return nil, err
	}
	return &t, nil
}

// ReplaceTeam writes a team back.
func (s *Store) ReplaceTeam(ctx context.Context, t *models.Team) error {
	res, err := s.w(collTeams).ReplaceOne(ctx, bson.D{{Key: "_id", Value: t.ID}}, t)
	if err != nil {
		return err
	}
	if res.MatchedCount == 0 {
		return ErrNotFound
	}
	return nil
}

// ListTeams returns every team (a small collection).
func (s *Store) ListTeams(ctx context.Context) ([]models.Team, error) {
	return findAll[models.Team](ctx, s, collTeams, nil)
}

// InsertSession stores a new login session.
func (s *Store) InsertSession(ctx context.Context, sess *models.Session) error {
	return s.insert(ctx, collSessions, sess)
}

// GetSession reads a session by the hash of its cookie value. Every staff request does, so
// a session read less than snapshotTTL ago is served from memory (see sessionCache).
func (s *Store) GetSession(ctx context.Context, id string) (*models.Session, error) {
	return s.sessions.get(ctx, id, s.readSession)
}

func (s *Store) readSession(ctx context.Context, id string) (*models.Session, error) {
	var sess models.Session
	if err := s.getByID(ctx, collSessions, id, &sess); err != nil {
		return nil, err
	}
	return &sess, nil
}

// DeleteSession ends a session.
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	defer s.sessions.drop(id)
	return s.deleteByID(ctx, collSessions, id)
}

// DeleteUserSessions ends every session of a user except keep (the caller's own, or "").
// Sessions are found by user, a scan of a small collection, on a rare admin action.
func (s *Store) DeleteUserSessions(ctx context.Context, userID, keep string) error {
	defer s.sessions.dropAll()
	filter := bson.D{{Key: "user_id", Value: userID}}
	if keep != "" {
		filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$ne", Value: keep}}})
	}
	_, err := s.w(collSessions).DeleteMany(ctx, filter)
	return err
}

// DeleteUserAPITokens revokes every API token of a user.
func (s *Store) DeleteUserAPITokens(ctx context.Context, userID string) error {
	_, err := s.w(collAPITokens).DeleteMany(ctx, bson.D{{Key: "user_id", Value: userID}})
	return err
}

// InsertAPIToken stores a new token (its _id is the secret's hash).
func (s *Store) InsertAPIToken(ctx context.Context, t *models.APIToken) error {
	return s.insert(ctx, collAPITokens, t)
}

// GetAPIToken reads a token by the hash of its secret.
func (s *Store) GetAPIToken(ctx context.Context, hash string) (*models.APIToken, error) {
	var t models.APIToken
	if err := s.getByID(ctx, collAPITokens, hash, &t); err != nil {
		return nil, err
	}
	return &t, nil
}

// TouchAPIToken records when a token was last used.
func (s *Store) TouchAPIToken(ctx context.Context, hash string, at time.Time) error {
	_, err := s.w(collAPITokens).UpdateOne(ctx, bson.D{{Key: "_id", Value: hash}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "last_used_at", Value: at}}}})
	return err
}

// ListAPITokens returns the tokens of one user (the collection holds a few per user).
func (s *Store) ListAPITokens(ctx context.Context, userID string) ([]models.APIToken, error) {
	return findAll[models.APIToken](ctx, s, collAPITokens, bson.D{{Key: "user_id", Value: userID}})
}

// DeleteAPIToken revokes a user's token by its public ID.
func (s *Store) DeleteAPIToken(ctx context.Context, userID, publicID string) error {
	res, err := s.w(collAPITokens).DeleteOne(ctx, bson.D{{Key: "user_id", Value: userID}, {Key: "public_id", Value: publicID}})
	if err != nil {
		return err
	}
	if res.DeletedCount == 0 {
		return ErrNotFound
	}
	return nil
}
