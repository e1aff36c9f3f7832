@pipedrive
Feature: What the marketplace sends an app and serves it, on the wire
  The fake marketplace runs against a recording app that keeps every request
  it gets. These scenarios pin the requests themselves: their methods, query
  strings, bodies and credentials, the extension tokens, and how long codes,
  access tokens and refresh tokens last.

  Background:
    Given the company "Acme" with these people:
      | name  | role  |
      | Alice | admin |
      | Bob   | user  |
    And the recording app "Deal Panel" with client ID "acme-client" and client secret "acme-secret"

  @PD-EXT-01
  Scenario: A JSON panel request is a GET naming the viewer and the record, with a signed token
    Given "Deal Panel" has a JSON panel on deals
    When the marketplace sends Bob's JSON panel request for deal 42
    Then the app gets a GET at "/panel" with the query:
      | resource    | deal    |
      | view        | details |
      | userId      | Bob     |
      | companyId   | Acme    |
      | selectedIds | 42      |
      | isShared    | false   |
      | token       | (any)   |
    And the token is signed with the app's client secret and names Bob and "Acme"
    And it expires 300 seconds after it was issued
    And the request carries no Basic auth

  @PD-EXT-01
  Scenario: A link action request is a GET like a panel's, without isShared
    Given "Deal Panel" has a link action on persons
    When the marketplace sends Alice's link action request for person 9
    Then the app gets a GET at "/link-action" with the query:
      | resource    | person  |
      | view        | details |
      | userId      | Alice   |
      | companyId   | Acme    |
      | selectedIds | 9       |
      | token       | (any)   |
    And the request has no "isShared" parameter
    And the token is signed with the app's client secret and names Alice and "Acme"

  @PD-EXT-01
  Scenario Outline: An extension's token is signed with its JWT secret, or else with the client secret
    Given "Deal Panel" has a <extension> on deals with the JWT secret "<JWT secret>"
    When the marketplace sends Bob's <extension> request for deal 7
    Then the token is signed with "<signed with>" and names Bob and "Acme"
    And the token is not signed with "<not signed with>"
    And it expires 300 seconds after it was issued

    Examples:
      | extension   | JWT secret   | signed with  | not signed with |
      | JSON panel  |              | acme-secret  | panel-secret    |
      | JSON panel  | panel-secret | panel-secret | acme-secret     |
      | link action |              | acme-secret  | panel-secret    |
      | link action | panel-secret | panel-secret | acme-secret     |

  @PD-EXT-01
  Scenario Outline: Where HTTP auth is set, the extension request carries it as Basic auth, and the token too
    Given "Deal Panel" has a <extension> on deals with the HTTP auth "panel-user" and "panel-pass"
    When the marketplace sends Bob's <extension> request for deal 42
    Then the request carries the Basic auth "panel-user" and "panel-pass"
    And the token is signed with the app's client secret and names Bob and "Acme"

    Examples:
      | extension   |
      | JSON panel  |
      | link action |

  @PD-EXT-01
  Scenario: The extension token is issued by the wall clock, whatever the marketplace's clock says
    Given "Deal Panel" has a JSON panel on deals
    And 3 days pass on the marketplace's clock
    When the marketplace sends Bob's JSON panel request for deal 1
    Then the token was issued by the wall clock, not the marketplace's
    And it expires 300 seconds after it was issued

  @PD-UNINST-01
  Scenario: Uninstalling sends a DELETE to the callback URL saying who, where and when, with the app's credentials
    Given Bob has authorized the app
    When Bob uninstalls the app
    Then the app gets a DELETE at "/callback" with the JSON body:
      | client_id  | acme-client |
      | company_id | Acme        |
      | user_id    | Bob         |
      | timestamp  | now         |
    And the request carries the Basic auth "acme-client" and "acme-secret"

  @PD-UNINST-01
  Scenario Outline: The app's answer to an uninstall is not read
    Given Alice has authorized the app
    And Bob has authorized the app
    And the app answers <status> with "<body>"
    When Bob uninstalls the app
    Then the app gets a DELETE at "/callback"
    And an API call to "GET /users/me" with Bob's access token gets 401
    And an API call to "GET /users/me" with Alice's access token gets 200
    When the app refreshes Bob's access token
    Then the token endpoint answers 400 with the error "invalid_grant"

    Examples:
      | status | body                       |
      | 200    | {}                         |
      | 204    |                            |
      | 500    | Internal Server Error      |
      | 200    | <html>not JSON at all      |
      | 302    | http://elsewhere.example/  |

  @PD-OAUTH-01
  Scenario: An authorization the marketplace started ends with a GET to the callback URL carrying a code and no state
    When Bob authorizes the app
    Then the app gets a GET at "/callback" with the query:
      | code | (any) |
    And the request has no "state" parameter
    And the request carries no Basic auth

  @PD-OAUTH-01
  Scenario: A user who denies the app is sent back with error=user_denied and no state
    When Bob denies the app
    Then the app gets a GET at "/callback" with the query:
      | error | user_denied |
    And the request has no "state" parameter

  @PD-OAUTH-01
  Scenario: The code is exchanged for a Bearer access token of an hour and a refresh token
    When Bob authorizes the app
    And the app exchanges Bob's code
    Then the token endpoint answers 200 with:
      | access_token  | (any)           |
      | token_type    | Bearer          |
      | refresh_token | (any)           |
      | scope         | base,deals:read |
      | expires_in    | 3599            |
      | api_domain    | the marketplace |
    And an API call to "GET /users/me" with Bob's access token gets 200

  @PD-OAUTH-01
  Scenario: A code can be exchanged only once
    When Bob authorizes the app
    And the app exchanges Bob's code
    Then the token endpoint answers 200
    When the app exchanges Bob's code again
    Then the token endpoint answers 400 with the error "invalid_grant"

  @PD-OAUTH-01
  Scenario Outline: A code expires 5 minutes after it was issued
    When Bob authorizes the app
    And <wait> pass on the marketplace's clock
    And the app exchanges Bob's code
    Then the token endpoint answers <status>

    Examples:
      | wait                 | status |
      | 0 seconds            | 200    |
      | 4 minutes 59 seconds | 200    |
      | 5 minutes            | 400    |
      | 5 minutes 1 second   | 400    |

  @PD-OAUTH-01
  Scenario Outline: The token endpoint takes the app's client ID and secret as Basic auth
    When Bob authorizes the app
    And the app exchanges Bob's code <credentials>
    Then the token endpoint answers <status>

    Examples:
      | credentials                                          | status |
      | with the Basic auth "acme-client" and "acme-secret"  | 200    |
      | with the Basic auth "acme-client" and "wrong"        | 400    |
      | with the Basic auth "other-client" and "acme-secret" | 400    |
      | without Basic auth                                   | 400    |

  @PD-OAUTH-01
  Scenario Outline: An access token lives 60 minutes
    Given Bob has authorized the app
    When <wait> pass on the marketplace's clock
    Then an API call to "GET /users/me" with Bob's access token gets <status>

    Examples:
      | wait                  | status |
      | 59 minutes 59 seconds | 200    |
      | 60 minutes            | 401    |
      | 61 minutes            | 401    |

  @PD-OAUTH-01
  Scenario: Refreshing gives a new access token and the refresh token again
    Given Bob has authorized the app
    And 61 minutes pass on the marketplace's clock
    When the app refreshes Bob's access token
    Then the token endpoint answers 200 with:
      | access_token  | (any)           |
      | token_type    | Bearer          |
      | refresh_token | (any)           |
      | scope         | base,deals:read |
      | expires_in    | 3599            |
      | api_domain    | the marketplace |
    And an API call to "GET /users/me" with Bob's access token gets 200

  @PD-OAUTH-01
  Scenario Outline: A refresh token unused for 60 days is refused
    Given Bob has authorized the app
    When <wait> pass on the marketplace's clock
    And the app refreshes Bob's access token
    Then the token endpoint answers <status>

    Examples:
      | wait                        | status |
      | 59 days 23 hours 59 minutes | 200    |
      | 60 days                     | 400    |
      | 60 days 1 second            | 400    |

  @PD-OAUTH-01
  Scenario: A refresh token used within 60 days stays good for 60 days more
    Given Bob has authorized the app
    When 40 days pass on the marketplace's clock
    And the app refreshes Bob's access token
    Then the token endpoint answers 200
    When 40 days pass on the marketplace's clock
    And the app refreshes Bob's access token
    Then the token endpoint answers 200
