Console.Error.WriteLine("The CDK app is not assembled yet.");
return 2;
