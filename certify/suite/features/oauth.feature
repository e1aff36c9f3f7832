Feature: OAuth: code exchange, denial and refresh
  Authorization ends with a redirect to the callback URL carrying a code, or
  error=user_denied. The app exchanges the code at the marketplace's token
  endpoint, answers a denial without an error, and refreshes an expired
  access token instead of failing the user's request. An install the
  marketplace starts carries no state; one the app starts at its
  Installation URL comes back with the app's own state, and a redirect with
  a state the app never issued is refused. Its tokens stay on its server: no
  answer the browser gets carries one.

  Background:
    Given Acme, a company with Alice, an admin, and Bob

  @PD-OAUTH-02
  Scenario: The app exchanges the authorization code for tokens
    When Alice installs the app for herself
    Then the app exchanged Alice's authorization code

  @PD-OAUTH-02
  Scenario: The app answers a denial without an error
    When Bob denies the app's scopes
    Then the app answered Bob's denial without an error

  @PD-OAUTH-03
  Scenario: An expired access token is refreshed and the request served
    Given Alice installs the app for herself
    When Alice's access token expires
    Then Alice's extensions are answered
    And the app refreshed Alice's access token

  @PD-OAUTH-04
  Scenario: The app completes an install the marketplace started, whose redirect carries no state
    When Alice installs the app for herself
    Then the app exchanged Alice's authorization code

  @PD-OAUTH-05
  Scenario: An app that starts authorization itself refuses a redirect with a state it did not issue
    Given Alice installs the app from its Installation URL
    Then the app exchanged Alice's authorization code
    And a redirect for Bob with a state the app did not issue is refused

  @PD-OAUTH-06
  Scenario: The app hands no access or refresh token to the browser
    When Alice installs the app for herself
    Then the app exchanged Alice's authorization code
    And Alice's extensions are answered

  @PD-API-03
  Scenario: After a 429 the app waits as it was told, and the user's request is not failed
    Given Alice installs the app for herself
    When the marketplace answers Alice's next API call with a 429 asking to wait 2 seconds
    Then Alice's extensions are answered without a server error
    And the app waited as the 429 said before calling again with Alice's token
