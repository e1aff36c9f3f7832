@pipedrive
Feature: Other ways to say what happened
  The same outcomes in the other words the vocabulary takes: a refusal
  checked without its reason, installing for oneself, having an app
  whatever its status, the Added by Admin section's negative, an email that
  names the admin and the app, and counting emails.

  Background:
    Given the company "Acme" with these people:
      | name  | role  |
      | Alice | admin |
      | Bob   | user  |
      | Carol | user  |
    And the app "Deal Insights" is shared in the shared-extensions mode

  @PD-SHARE-03 @X-02
  Scenario: A refusal checked without naming its reason
    When Bob installs "Deal Insights" for all users
    Then it is refused
    And nothing has changed

  @PD-SHARE-04
  Scenario: An admin installs an app for herself, a user for himself
    When Alice installs "Deal Insights" for herself
    And Bob installs "Deal Insights" for himself
    Then Alice has "Deal Insights"
    And Bob has "Deal Insights"
    And Carol does not have "Deal Insights"
    And "Deal Insights" receives a sharing callback for Alice with isShared false

  @PD-SHARE-14 @PD-SHARE-15
  Scenario: A user has an app whatever its status
    When Alice installs "Deal Insights" for Bob
    Then Bob has "Deal Insights"
    And Bob sees "Deal Insights" in the "Added by Admin" section of the apps dock
    When Bob authorizes "Deal Insights"
    Then Bob has "Deal Insights"
    And Bob does not see "Deal Insights" in the "Added by Admin" section of the apps dock
    When Bob's authorization of "Deal Insights" expires
    Then Bob has "Deal Insights"
    And Bob sees "Deal Insights" as "Re-authorize"

  @PD-SHARE-08
  Scenario: The email names the admin and the app, one to each added user
    When Alice installs "Deal Insights" for Bob and Carol and emails them
    Then Bob gets an email naming Alice and "Deal Insights"
    And Carol gets 1 email
    And Alice gets 0 emails
