Feature: Extension requests: credentials, deadline, schema, companies
  A JSON panel or link action request carries a token signed with the
  extension's JWT secret (or the client secret), and Basic auth where the
  extension has http_auth. The app refuses a forged one, answers a genuine
  JSON panel within 10 seconds in the documented schema, and never answers
  one company with another's data.

  Background:
    Given Acme, a company with Alice, an admin, and Bob
    And Alice installs the app for herself

  @PD-EXT-02
  Scenario Outline: A request with a forged token is refused (token: <token>)
    Then Alice's extensions with a forged token (<token>) are refused

    Examples:
      | token           |
      | missing         |
      | bad signature   |
      | expired         |
      | another user    |
      | another company |

  @PD-EXT-02
  Scenario Outline: A request with forged Basic auth is refused (Basic auth: <auth>)
    Then Alice's extensions with forged Basic auth (<auth>) are refused

    Examples:
      | auth    |
      | wrong   |
      | missing |

  @PD-EXT-03
  Scenario: The JSON panel answers within the deadline
    Then Alice's JSON panel is answered within the deadline

  @PD-EXT-04
  Scenario: The JSON panel answer follows the documented schema
    Then Alice's JSON panel on deals 1 to 12 follows the documented schema

  @PD-EXT-05
  Scenario: Two companies are never mixed up
    Every company has deals 1, 2 and 3, titled after the company.

    Given Globex, a company with Gina, an admin
    And Gina installs the app for herself
    Then Alice's JSON panel on deal 2 shows nothing of Globex
    And Gina's JSON panel on deal 2 shows nothing of Acme
    And Alice's JSON panel on deal 2 shows nothing of Globex
