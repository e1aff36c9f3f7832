Feature: Extension requests: credentials, deadline, schema, companies
  Every extension request (JSON panel, link action, JSON modal, Custom UI
  page) carries a token signed with the extension's JWT secret (or the
  client secret), and Basic auth where the extension has http_auth. The app
  refuses a forged one on every surface it declares, answers a genuine JSON
  panel or JSON modal within 10 seconds, in the documented schema or modal
  format, and never answers one company with another's data. Each check runs
  once per surface the manifest declares.

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
  Scenario: JSON panels and JSON modals answer within the deadline
    Then Alice's extensions are answered within the deadline
    And Alice's JSON modal is opened and submitted

  @PD-EXT-04
  Scenario: The JSON panel answer follows the documented schema
    Then Alice's JSON panel on deals 1 to 12 follows the documented schema

  @PD-EXT-05
  Scenario: Two companies are never mixed up
    Every company has deals 1, 2 and 3, titled after the company.

    Given Globex, a company with Gina, an admin
    And Gina installs the app for herself
    Then Alice's extensions on deal 2 show nothing of Globex
    And Gina's extensions on deal 2 show nothing of Acme
    And Alice's extensions on deal 2 show nothing of Globex

  @PD-EXT-06
  Scenario: A JSON modal opens in the modal format and its submit gets the documented answer
    Then Alice's JSON modal is opened and submitted

  @PD-EXT-06
  Scenario Outline: A JSON modal submit whose token names someone else is refused (token: <token>)
    The token is signed well; only what it names differs from the query.

    Then Alice's JSON modal submit with a forged token (<token>) is refused

    Examples:
      | token           |
      | another user    |
      | another company |
