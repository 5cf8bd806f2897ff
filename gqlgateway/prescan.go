package gqlgateway

import "fmt"

// checkNesting makes one linear pass over a GraphQL document and fails when
// its braces, brackets and parentheses nest deeper than max. graphql-go's
// parser recurses once per level, so this bound must hold before Parse ever
// sees the text.
//
// The scan follows the lexer where it matters: characters inside strings,
// block strings and comments do not count. Where it cannot tell (an
// unterminated string, a stray closer) it errs towards counting more, since
// the parser stops at the same place with a syntax error anyway.
func checkNesting(src string, max int) error {
	depth := 0
	for i := 0; i < len(src); i++ {
		switch c := src[i]; c {
		case '{', '[', '(':
			depth++
			if depth > max {
				return fmt.Errorf("%w: brackets nest deeper than %d", errTooComplex, max)
			}
		case '}', ']', ')':
			if depth > 0 {
				depth--
			}
		case '#':
			i = skipComment(src, i+1)
		case '"':
			if i+2 < len(src) && src[i+1] == '"' && src[i+2] == '"' {
				i = skipBlockString(src, i+3)
			} else {
				i = skipString(src, i+1)
			}
		}
	}
	return nil
}

// skipComment returns the index of the line terminator that ends a comment
// starting at i (or the end of src).
func skipComment(src string, i int) int {
	for ; i < len(src); i++ {
		if src[i] == '\n' || src[i] == '\r' {
			return i
		}
	}
	return i
}

// skipString returns the index of the quote closing a string whose content
// starts at i. A line terminator ends it too: the lexer rejects the string
// there, so nothing after it is parsed as part of it.
func skipString(src string, i int) int {
	for ; i < len(src); i++ {
		switch src[i] {
		case '\\':
			i++ // the escaped byte cannot close the string
		case '"':
			return i
		case '\n', '\r':
			return i
		}
	}
	return i
}

// skipBlockString returns the index of the last quote of the """ that closes
// a block string whose content starts at i; \""" does not close it.
func skipBlockString(src string, i int) int {
	for ; i < len(src); i++ {
		switch {
		case src[i] == '\\' && hasTripleQuote(src, i+1):
			i += 3
		case hasTripleQuote(src, i):
			return i + 2
		}
	}
	return i
}

func hasTripleQuote(src string, i int) bool {
	return i+2 < len(src) && src[i] == '"' && src[i+1] == '"' && src[i+2] == '"'
}
