// Package shared holds what the session verbs share: the Sessions
// Report's columns. Helpers shared across nouns (asset resolution,
// completion, time flags) live in pkg/cmdutil.
package shared

import (
	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/output"
)

// SessionColumns are the Sessions Report's columns, in its order: SESSION
// ID, ASSET, USER, CHANNELS, STATE, CREATED, UPDATED, and with -o wide (and
// in csv) COMPLETED and ASSET ID. Times are ages in a table on a terminal.
// sessions get prints the same fields as "Key: value" lines.
func SessionColumns() []output.Column[api.Session] {
	return []output.Column[api.Session]{
		{Header: "SESSION ID", Value: func(s api.Session) any { return s.ID }},
		{Header: "ASSET", Value: func(s api.Session) any { return s.AssetName }},
		{Header: "USER", Value: func(s api.Session) any { return s.User }},
		{Header: "CHANNELS", Value: func(s api.Session) any { return s.Channels }},
		{Header: "STATE", Value: func(s api.Session) any { return s.State }},
		{Header: "CREATED", Age: true, Value: func(s api.Session) any { return s.Created }},
		{Header: "UPDATED", Age: true, Value: func(s api.Session) any { return s.Updated }},
		{Header: "COMPLETED", Age: true, Wide: true, Value: func(s api.Session) any { return s.Completed }},
		{Header: "ASSET ID", Wide: true, Value: func(s api.Session) any { return s.AssetID }},
	}
}
