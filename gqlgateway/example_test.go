package gqlgateway_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/graphql-go/graphql"
	"github.com/positiveaction/tokens/gqlgateway"
)

// A program that embeds the gateway adds its own protected fields. The
// gateway checks the bearer token and the field's scopes before the
// resolver runs; the resolver reads the caller from its context.
func Example_protectedField() {
	greeting := &graphql.Field{
		Type: graphql.NewNonNull(graphql.String),
		Resolve: func(p graphql.ResolveParams) (any, error) {
			id, _ := gqlgateway.IdentityFrom(p.Context)
			return fmt.Sprintf("Hello, %s (account %s)", id.Name, id.Account), nil
		},
	}
	gw, err := gqlgateway.New(gqlgateway.Config{
		TokenServiceURL: "http://localhost:8081",
		ClientID:        os.Getenv("GQLGATEWAY_CLIENT_ID"),
		ClientSecret:    os.Getenv("GQLGATEWAY_CLIENT_SECRET"),
		QueryFields: []gqlgateway.ProtectedField{
			{Name: "greeting", Field: greeting, Scopes: []string{"greetings:read"}},
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	gw.Start(ctx) // follow the revocation stream
	defer gw.Close()

	srv := &http.Server{Addr: ":8080", Handler: gw.Handler(), ReadHeaderTimeout: 5 * time.Second}
	log.Fatal(srv.ListenAndServe())
}
