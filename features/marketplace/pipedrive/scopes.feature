@pipedrive
Feature: Scopes: what an app may call on a user's behalf
  Every app gets the base scope; each scope grants exactly the endpoints
  Pipedrive lists for it; a user accepts all of an app's scopes or none.
  (Pipedrive: "Scopes and permission explanations".)

  Background:
    Given the company "Acme" with these people:
      | name  | role  |
      | Alice | admin |
      | Bob   | user  |
    And the company "Globex" with these people:
      | name | role  |
      | Gina | admin |
      | Hank | user  |
    And the app "Notes Sync" is shared in the add-to-account mode
    And the app "Notes Sync" requests the scopes "deals:read, contacts:read"
    And the app "Admin Tool" is shared in the add-to-account mode
    And the app "Admin Tool" requests the scopes "admin, activities:full"

  @PD-SCOPE-01
  Scenario: An app that requests no scopes still has base
    Given the app "Bare" requests no scopes
    When Bob installs "Bare"
    Then Bob has granted "Bare" the scopes "base"
    And "Bare" may call "GET /users/me" for Bob under the scope "base"
    And "Bare" may call "GET /currencies" for Bob under the scope "base"
    And "Bare" may not call "GET /deals" for Bob because "scope and URL mismatch"

  @PD-SCOPE-02
  Scenario Outline: Each scope grants its own endpoints and no others
    Given the app "Scoped" requests the scopes "<scope>"
    When Alice installs "Scoped"
    Then "Scoped" may call "<granted>" for Alice under the scope "<scope>"
    And "Scoped" may not call "<denied>" for Alice because "scope and URL mismatch"

    Examples:
      | scope                  | granted                             | denied                        |
      | base                   | GET /users/me                       | GET /deals                    |
      | deals:read             | GET /deals/42                       | POST /deals                   |
      | deals:full             | POST /deals                         | GET /deals/42/mailMessages    |
      | mail:read              | GET /mailbox/mailThreads            | PUT /mailbox/mailThreads/42   |
      | mail:full              | PUT /mailbox/mailThreads/42         | GET /deals                    |
      | activities:read        | GET /activities                     | POST /activities              |
      | activities:full        | POST /activities                    | GET /deals                    |
      | contacts:read          | GET /persons/42                     | POST /persons                 |
      | contacts:full          | POST /persons                       | GET /deals                    |
      | products:read          | GET /products                       | POST /products                |
      | products:full          | POST /products                      | GET /deals                    |
      | users:read             | GET /users                          | POST /users                   |
      | recents:read           | GET /recents                        | GET /deals                    |
      | search:read            | GET /itemSearch                     | GET /deals                    |
      | admin                  | POST /stages                        | GET /deals                    |
      | leads:read             | GET /leads                          | POST /leads                   |
      | leads:full             | POST /leads                         | GET /deals                    |
      | phone-integration      | POST /callLogs                      | GET /deals                    |
      | goals:read             | GET /goals/find                     | POST /goals                   |
      | goals:full             | POST /goals                         | GET /deals                    |
      | video-calls            | POST /meetings/user-provider-links  | POST /channels                |
      | messengers-integration | POST /channels                      | GET /deals                    |
      | projects:read          | GET /projects                       | POST /projects                |
      | projects:full          | POST /projects                      | GET /deals                    |
      | webhooks:read          | GET /webhooks                       | POST /webhooks                |
      | webhooks:full          | POST /webhooks                      | GET /deals                    |

  @PD-SCOPE-02
  Scenario: A full scope includes its read endpoints
    Given the app "Deals Pro" requests the scopes "deals:full"
    When Bob installs "Deals Pro"
    Then "Deals Pro" may call "GET /deals/42" for Bob under the scope "deals:full"
    And "Deals Pro" may call "DELETE /deals/42" for Bob under the scope "deals:full"

  @PD-SCOPE-02
  Scenario: A call to an endpoint no scope lists is denied
    When Bob installs "Notes Sync"
    Then "Notes Sync" may call "GET /api/v1/deals/42?limit=5" for Bob under the scope "deals:read"
    And "Notes Sync" may not call "GET /nowhere" for Bob because "unknown endpoint"

  @PD-SCOPE-03
  Scenario: Accepting grants every scope the app requests
    When Bob installs "Notes Sync" and denies the scopes
    Then Bob has granted "Notes Sync" no scopes
    And Bob does not have "Notes Sync"
    When Bob installs "Notes Sync"
    Then Bob has granted "Notes Sync" the scopes "base, deals:read, contacts:read"

  @PD-SCOPE-04
  Scenario: Changed scopes apply only after each user re-authorizes
    Given Bob has installed "Notes Sync"
    And Gina has installed "Notes Sync"
    When the vendor changes the scopes of "Notes Sync" to "deals:full"
    Then Bob sees "Notes Sync" as "Re-authorize"
    And Gina sees "Notes Sync" as "Re-authorize"
    And "Notes Sync" may not call "POST /deals" for Bob because "re-authorization needed"
    When Bob re-authorizes "Notes Sync"
    Then "Notes Sync" may call "POST /deals" for Bob under the scope "deals:full"
    And Gina sees "Notes Sync" as "Re-authorize"

  @PD-SCOPE-04
  Scenario: A vendor cannot change to a scope that does not exist
    When the vendor changes the scopes of "Notes Sync" to "deals:write"
    Then it is refused because "invalid command"

  @PD-SCOPE-05
  Scenario: A user without admin rights installs an app that asks for the admin scope
    When Bob installs "Admin Tool"
    Then Bob sees "Admin Tool" as "Authorized"
    And "Admin Tool" may not call "POST /activityTypes" for Bob because "admin endpoint for a non-admin user"
    And "Admin Tool" may call "GET /activityTypes" for Bob under the scope "activities:full"

  @PD-SCOPE-05
  Scenario: The same call works for an admin
    When Alice installs "Admin Tool"
    Then "Admin Tool" may call "POST /activityTypes" for Alice under the scope "admin"

  @PD-SCOPE-06
  Scenario: Company objects an admin's installation created stay usable by later installations
    Given Bob has installed "Admin Tool"
    When "Admin Tool" creates the activity type "Demo call" for Bob
    Then it is refused because "admin endpoint for a non-admin user"
    When Alice installs "Admin Tool"
    And "Admin Tool" creates the activity type "Demo call" for Alice
    And "Admin Tool" creates the pipeline "Renewals" for Alice
    Then "Admin Tool" can use the activity type "Demo call" for Bob
    And "Admin Tool" can use the pipeline "Renewals" for Bob

  @PD-SCOPE-06 @X-03
  Scenario: Another company cannot use them
    Given Alice has installed "Admin Tool"
    And "Admin Tool" creates the deal field "Region" for Alice
    When Hank installs "Admin Tool"
    Then "Admin Tool" cannot use the deal field "Region" for Hank
