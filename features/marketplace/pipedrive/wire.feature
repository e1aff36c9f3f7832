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
  Scenario: A link action in a list view names the selection, what was left out, and the list's filter
    Given "Deal Panel" has a link action on deals in the list view
    When the marketplace sends Bob's link action request from the list of deals selecting "1,2,3" excluding "" with the saved filter 4
    Then the app gets a GET at "/link-action" with the query:
      | resource    | deal            |
      | view        | list            |
      | userId      | Bob             |
      | companyId   | Acme            |
      | selectedIds | 1,2,3           |
      | excludedIds |                 |
      | filter      | {"filter_id":4} |
      | token       | (any)           |
    When the marketplace sends Bob's link action request from the list of deals selecting "" excluding "5,6" with the saved filter 4
    Then the app gets a GET at "/link-action" with the query:
      | resource    | deal            |
      | view        | list            |
      | userId      | Bob             |
      | companyId   | Acme            |
      | selectedIds |                 |
      | excludedIds | 5,6             |
      | filter      | {"filter_id":4} |
      | token       | (any)           |

  @PD-EXT-01
  Scenario: A JSON modal is opened with a GET and submitted with a POST of its values, both with a signed token
    Given "Deal Panel" has a JSON modal on deals
    When the marketplace sends Bob's JSON modal request for deal 7
    Then the app gets a GET at "/modal" with the query:
      | resource    | deal    |
      | view        | details |
      | userId      | Bob     |
      | companyId   | Acme    |
      | selectedIds | 7       |
      | token       | (any)   |
    And the token is signed with the app's client secret and names Bob and "Acme"
    When the marketplace submits Bob's JSON modal for deal 7 with "{'title':'Call back'}"
    Then the app gets a POST at "/modal" with the JSON body:
      | title | Call back |
    And the token is signed with the app's client secret and names Bob and "Acme"

  @PD-EXT-01
  Scenario Outline: A Custom UI page on a record is loaded with its id, the viewer, the record and the theme
    Given "Deal Panel" has a <extension> on deals
    When the marketplace sends Bob's <extension> request for deal 42
    Then the app gets a GET at "<path>" with the query:
      | id          | (any)   |
      | resource    | deal    |
      | view        | details |
      | userId      | Bob     |
      | companyId   | Acme    |
      | selectedIds | 42      |
      | theme       | light   |
      | token       | (any)   |
    And the token is signed with the app's client secret and names Bob and "Acme"
    And it expires 300 seconds after it was issued

    Examples:
      | extension       | path              |
      | custom UI panel | /custom-ui/panel  |
      | custom UI modal | /custom-ui/modal  |

  @PD-EXT-01
  Scenario Outline: A Custom UI page on no record is loaded with its id, the viewer and the theme
    Given "Deal Panel" has a <extension>
    When the marketplace sends Bob's <extension> request
    Then the app gets a GET at "<path>" with the query:
      | id        | (any) |
      | userId    | Bob   |
      | companyId | Acme  |
      | theme     | light |
      | token     | (any) |
    And the token is signed with the app's client secret and names Bob and "Acme"

    Examples:
      | extension                 | path                |
      | custom UI floating window | /custom-ui/window   |
      | custom UI settings page   | /custom-ui/settings |

  @PD-EXT-01
  Scenario Outline: An extension's token is signed with its JWT secret, or else with the client secret
    Given "Deal Panel" has a <extension> on deals with the JWT secret "<JWT secret>"
    When the marketplace sends Bob's <extension> request for deal 7
    Then the token is signed with "<signed with>" and names Bob and "Acme"
    And the token is not signed with "<not signed with>"
    And it expires 300 seconds after it was issued

    Examples:
      | extension       | JWT secret   | signed with  | not signed with |
      | JSON panel      |              | acme-secret  | panel-secret    |
      | JSON panel      | panel-secret | panel-secret | acme-secret     |
      | link action     |              | acme-secret  | panel-secret    |
      | link action     | panel-secret | panel-secret | acme-secret     |
      | JSON modal      | panel-secret | panel-secret | acme-secret     |
      | custom UI panel | panel-secret | panel-secret | acme-secret     |

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

  @PD-OAUTH-01
  Scenario: An app that starts authorization itself gets its own state back with the code
    Given "Deal Panel" starts authorization itself at its Installation URL with the state "s-123"
    When Bob installs the app from its Installation URL
    Then the app gets a GET at "/callback" with the query:
      | code  | (any) |
      | state | s-123 |
    When the app exchanges Bob's code
    Then the token endpoint answers 200

  @PD-OAUTH-01
  Scenario: A user who denies an app-initiated authorization is sent back with error=user_denied and the app's state
    Given "Deal Panel" starts authorization itself at its Installation URL with the state "s-9"
    When Bob starts at the app's Installation URL and denies the app
    Then the app gets a GET at "/callback" with the query:
      | error | user_denied |
      | state | s-9         |

  @PD-OAUTH-01
  Scenario Outline: The authorization page refuses a redirect URI other than the callback URL
    When the marketplace's authorization page, asked for "Deal Panel" with the redirect URI "<redirect URI>", answers 400

    Examples:
      | redirect URI                   |
      | http://elsewhere.test/callback |
      |                                |

  @PD-OAUTH-01
  Scenario: Codes and tokens have Pipedrive's shapes, naming the company and the user
    When Bob authorizes the app
    Then Bob's code has the shape "<company>.<user>.<40 hex>"
    When the app exchanges Bob's code
    Then the token endpoint answers 200
    And Bob's access token has the shape "<company>:<user>:<40 hex>"
    And Bob's refresh token has the shape "<company>:<user>:<40 hex>"

  @PD-OAUTH-01
  Scenario Outline: The token endpoint also takes the client ID and secret as form fields
    When Bob authorizes the app
    And the app exchanges Bob's code <credentials>
    Then the token endpoint answers <status>

    Examples:
      | credentials                                         | status |
      | with the client ID and secret as form fields        | 200    |
      | with the client secret "wrong" as a form field      | 400    |
      | with the Authorization header "Basic not-base64!"   | 400    |
      | with the Authorization header "Bearer acme-secret"  | 400    |

  @PD-OAUTH-01
  Scenario Outline: Every error of the token endpoint is a 400 with an OAuth error
    When Bob authorizes the app
    And the app exchanges Bob's code <how>
    Then the token endpoint answers 400 with the error "<error>"

    Examples:
      | how                                                 | error          |
      | with the Basic auth "acme-client" and "wrong"       | invalid_client |
      | without Basic auth                                  | invalid_client |
      | without a redirect URI                              | invalid_request |
      | with the redirect URI "http://elsewhere.test/cb"    | invalid_request |
      | as a JSON body                                      | invalid_request |

  @PD-OAUTH-01 @PD-UNINST-01
  Scenario: Revoking the refresh token uninstalls the app for that user
    Given Alice has authorized the app
    And Bob has authorized the app
    When the app revokes Bob's refresh token
    Then the marketplace treats the app as uninstalled for Bob
    And the marketplace has not uninstalled the app for Alice
    And an API call to "GET /users/me" with Bob's access token gets 401
    And an API call to "GET /users/me" with Alice's access token gets 200
    When the app refreshes Bob's access token
    Then the token endpoint answers 400 with the error "invalid_grant"

  @PD-OAUTH-01
  Scenario: Revoking an access token ends that token and uninstalls nothing
    Given Bob has authorized the app
    When the app revokes Bob's access token
    Then the marketplace has not uninstalled the app for Bob
    And an API call to "GET /users/me" with Bob's access token gets 401
    When the app refreshes Bob's access token
    Then the token endpoint answers 200
    And an API call to "GET /users/me" with Bob's access token gets 200

  @PD-API-01
  Scenario Outline: API v1 is served under /api/v1/ and /v1/
    Given Bob has authorized the app
    When the app calls "<call>" with Bob's access token
    Then the API answers 200 with the JSON:
      | success           | true       |
      | data.id           | Bob        |
      | data.company_id   | Acme       |
      | data.is_admin     | 0          |
      | data.company_domain | (any)    |
      | data.timezone_name  | (any)    |
      | data.locale         | (any)    |
      | data.active_flag    | true     |

    Examples:
      | call                 |
      | GET /api/v1/users/me |
      | GET /v1/users/me     |

  @PD-API-01
  Scenario: API v2 pages with a cursor and writes times in RFC 3339 and booleans as true or false
    Given Bob has authorized the app
    When the app calls "GET /api/v2/deals?limit=1" with Bob's access token
    Then the API answers 200 with the JSON:
      | success                     | true              |
      | data.0.id                   | 1                 |
      | data.0.title                | Acme deal 1       |
      | data.0.is_deleted           | false             |
      | data.0.visible_to           | 3                 |
      | data.0.add_time             | 2026-01-05T09:00:00Z |
      | additional_data.next_cursor | (any)             |
    When the app calls the next page of "GET /api/v2/deals?limit=1" with Bob's access token
    Then the API answers 200 with the JSON:
      | data.0.id                   | 2    |
      | additional_data.next_cursor | null |

  @PD-API-01
  Scenario Outline: A v2 endpoint is granted by the scope of the same path in v1, PATCH counting as PUT
    Given Bob has authorized the app
    When the app calls "<call>" with Bob's access token and the JSON body "{}"
    Then the API answers <status>

    Examples:
      | call                        | status |
      | PATCH /api/v2/deals/1       | 403    |
      | PUT /api/v1/deals/1         | 403    |
      | POST /api/v2/deals          | 403    |
      | PUT /api/v2/deals/1         | 403    |
      | GET /api/v2/users/me        | 403    |

  @PD-API-01
  Scenario Outline: v1 and v2 reads are granted alike
    Given Bob has authorized the app
    When the app calls "<call>" with Bob's access token
    Then the API answers <status>

    Examples:
      | call                    | status |
      | GET /api/v2/deals/2     | 200    |
      | GET /api/v1/deals/2     | 200    |
      | GET /api/v2/persons/1   | 403    |
      | GET /api/v2/stages      | 200    |
      | GET /api/v3/deals       | 404    |

  @PD-API-02
  Scenario: Every API answer says the token's budget; over it the answer is 429 with Retry-After
    Given the marketplace's rate limit is 3 calls per 2 seconds
    And Bob has authorized the app
    When the app calls "GET /users/me" 4 times with Bob's access token
    Then the API answered the calls "200, 200, 200, 429"
    And the API answers 429 with the headers:
      | x-ratelimit-limit     | 3     |
      | x-ratelimit-remaining | 0     |
      | x-ratelimit-reset     | (any) |
      | retry-after           | (any) |

  @PD-API-02
  Scenario: The budget is each access token's own
    Given the marketplace's rate limit is 2 calls per 2 seconds
    And Alice has authorized the app
    And Bob has authorized the app
    When the app calls "GET /users/me" 2 times with Bob's access token
    And the app calls "GET /users/me" with Alice's access token
    Then the API answers 200 with the headers:
      | x-ratelimit-limit     | 2    |
      | x-ratelimit-remaining | 1    |
      | retry-after           | (none) |
