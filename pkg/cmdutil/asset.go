package cmdutil

// Resolving an asset the operator named, for every verb that takes one
// (sessions list, terminate, wait, watch, export; assets get).

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/text"
)

// AssetClient is the part of the API client asset resolution needs.
type AssetClient interface {
	GetAsset(ctx context.Context, id string) (*api.Asset, error)
	ListAssets(ctx context.Context, name string, limit int) ([]api.Asset, error)
}

// maxCandidates bounds the names listed in an ambiguity error.
const maxCandidates = 10

// uuidShape is what an asset ID looks like: 12Port's IDs are UUIDs in
// every documented example.
var uuidShape = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
})

// ResolveAsset turns what the operator typed (a name or an ID) into one
// asset. UUID-shaped input is read by ID (404: not found, exit 4);
// anything else is a name, looked up with the asset list, where it travels
// as a query value, so any printable name works ("a/b", "50%off", ".."):
// an exact match (ASCII case folded only: api.SameName) wins; several
// partial matches and no exact one is a FlagError (exit 2) listing them;
// one partial match is a NotFoundError that names it ("did you mean");
// nothing is a NotFoundError (exit 4). It never guesses, and never reads a
// name as an ID.
//
// The answer is cross-checked before anything uses it: the asset chosen
// is read back by its ID, which must carry that ID (api.GetAsset) and the
// name asked; a lookup without an exact match that answered an asset
// whose name does not even contain the text asked is refused too. Either is an *AssetMismatchError (exit 1). The
// read also tells the API client the asset's name, which every session
// listed for the asset must then carry (api.ListSessionsParams.Check).
func ResolveAsset(ctx context.Context, c AssetClient, ref string) (*api.Asset, error) {
	if strings.TrimSpace(ref) == "" {
		return nil, FlagErrorf("--asset is empty: give an asset name or ID")
	}
	if uuidShape().MatchString(ref) {
		a, err := c.GetAsset(ctx, ref)
		if err != nil && api.IsNotFound(err) {
			return nil, &NotFoundError{Err: fmt.Errorf("no asset with ID %s; list them with `pamctl assets list`", ref)}
		}
		return a, err
	}
	if err := validateAssetName(ref); err != nil {
		return nil, &FlagError{Err: fmt.Errorf("--asset %q: %v; give an asset name or ID", text.Safe(ref), err)}
	}
	assets, err := c.ListAssets(ctx, ref, 0)
	if err != nil {
		return nil, err
	}
	var exact, partial, stray []api.Asset
	for _, a := range assets {
		switch {
		case api.SameName(a.Name, ref):
			exact = append(exact, a)
		case strings.Contains(api.IDKey(a.Name), api.IDKey(ref)):
			partial = append(partial, a)
		default:
			stray = append(stray, a)
		}
	}
	switch {
	case len(exact) == 1:
		return crossCheck(ctx, c, ref, &exact[0])
	case len(exact) > 1:
		return nil, ambiguous(ref, exact)
	case len(stray) > 0:
		// No asset carries the name, and the server answered one that
		// does not even contain it: it may have answered the name asked
		// with another asset, so no guess is offered either.
		return nil, &AssetMismatchError{Asked: ref, ID: stray[0].ID, Got: stray[0].Name, Listed: true}
	case len(partial) == 1:
		// A unique partial match is still a guess: say what was meant
		// instead of acting on an asset the operator did not name.
		return nil, &NotFoundError{Err: fmt.Errorf("no asset named %q; did you mean %s (%s)?", text.Safe(ref), text.Safe(partial[0].Name), partial[0].ID)}
	case len(partial) > 1:
		return nil, ambiguous(ref, partial)
	}
	return nil, &NotFoundError{Err: fmt.Errorf("no asset named or with ID %q; list them with `pamctl assets list --name <text>`", text.Safe(ref))}
}

// crossCheck reads the asset the lookup of ref chose by its ID: it must
// exist and carry the name asked.
func crossCheck(ctx context.Context, c AssetClient, ref string, listed *api.Asset) (*api.Asset, error) {
	a, err := c.GetAsset(ctx, listed.ID)
	switch {
	case err != nil && api.IsNotFound(err):
		return nil, &AssetMismatchError{Asked: ref, ID: listed.ID, Gone: true}
	case err != nil:
		return nil, err
	case a == nil || !api.SameName(a.Name, ref):
		got := ""
		if a != nil {
			got = a.Name
		}
		return nil, &AssetMismatchError{Asked: ref, ID: listed.ID, Got: got}
	}
	return a, nil
}

// AssetMismatchError is an asset lookup the server's answers contradict:
// the asset list answered a name with an asset that does not carry it, or
// with an ID whose read names another asset (or none). pamctl acts on
// neither (exit 1).
type AssetMismatchError struct {
	Asked  string // the name the operator gave
	ID     string // the ID the asset list answered
	Got    string // the name that came back for it
	Listed bool   // Got is the list's own answer (no asset carried the name)
	Gone   bool   // the read by ID found no asset
}

func (e *AssetMismatchError) Error() string {
	var what string
	switch {
	case e.Listed:
		what = fmt.Sprintf("the server answered the lookup of asset %q with %q (%s), which does not carry that name", e.Asked, e.Got, e.ID)
	case e.Gone:
		what = fmt.Sprintf("the server's asset list answered %q with ID %s, but a read of that ID finds no asset", e.Asked, e.ID)
	default:
		what = fmt.Sprintf("the server's asset list answered %q with ID %s, but a read of that ID names it %q", e.Asked, e.ID, e.Got)
	}
	return text.Safe(what + "; pamctl acts on neither, and nothing was sent (check with `pamctl assets get " + e.ID + "`; the server's API may differ from the modeled one: run `pamctl doctor`)")
}

// maxNameLength bounds an asset name given on the command line.
const maxNameLength = 256

// validateAssetName refuses, before any request, a name no asset can have:
// control or format characters, invalid UTF-8, outer whitespace, absurd
// lengths. Any printable text is fine ("Windows Server 2019", "a/b"): it
// travels as a query value, never in a path.
func validateAssetName(name string) error {
	switch {
	case len(name) > maxNameLength:
		return fmt.Errorf("is %d bytes long; asset names are at most %d", len(name), maxNameLength)
	case !utf8.ValidString(name):
		return errors.New("is not valid UTF-8")
	case strings.TrimSpace(name) != name:
		return errors.New("has leading or trailing whitespace")
	}
	for _, r := range name {
		if unicode.IsControl(r) || text.IsFormat(r) {
			return errors.New("contains a control or format character")
		}
	}
	return nil
}

// ErrAmbiguous marks an asset reference that matches several assets.
var ErrAmbiguous = errors.New("ambiguous asset")

func ambiguous(ref string, assets []api.Asset) error {
	var names []string
	for i, a := range assets {
		if i == maxCandidates {
			names = append(names, fmt.Sprintf("and %d more", len(assets)-maxCandidates))
			break
		}
		names = append(names, fmt.Sprintf("%s (%s)", text.Safe(a.Name), a.ID))
	}
	return &FlagError{Err: fmt.Errorf("%w: %q matches %d assets: %s; pass the asset ID", ErrAmbiguous, text.Safe(ref), len(assets), strings.Join(names, ", "))}
}
